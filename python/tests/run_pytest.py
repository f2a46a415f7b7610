"""Runs pytest on the given test files for ctest: exit 77 (skipped) when pytest is missing, and
no cache or bytecode written into the source tree."""

import sys

try:
    import pytest
except ImportError:
    print("SKIP: the Python tests need pytest (Debian: python3-pytest)")
    sys.exit(77)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))
