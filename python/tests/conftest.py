"""Shared fixtures. The data comes from the repository itself: the example apps (examples/), whose
expected.txt is what the `querysafe` command prints, and the lookup matrix's schema of every field
class (tests/data/matrix/schemas/every.json)."""

import os
import shlex
from pathlib import Path

import pytest

import querysafe

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
KEYS = EXAMPLES / "keys"
EVERY_SCHEMA = REPO / "tests" / "data" / "matrix" / "schemas" / "every.json"


def transcript(app):
    """The commands of examples/APP/expected.txt: (argv, stdout, stderr, exit code)."""
    lines = (EXAMPLES / app / "expected.txt").read_text(encoding="utf-8").split("\n")
    out, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("$ querysafe "):
            i += 1
            continue
        argv = shlex.split(lines[i][2:])
        assert lines[i + 1] == "[stdout]"
        i += 2
        blocks = {"stdout": [], "stderr": []}
        current = "stdout"
        while not lines[i].startswith("[exit "):
            if lines[i] == "[stderr]":
                current = "stderr"
            else:
                blocks[current].append(lines[i])
            i += 1
        code = int(lines[i][len("[exit ") : -1])
        out.append((argv, "\n".join(blocks["stdout"]), "\n".join(blocks["stderr"]), code))
        i += 1
    return out


def option(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


@pytest.fixture(scope="session")
def medical():
    return querysafe.Schema.from_file(EXAMPLES / "medical-records" / "schema.json")


@pytest.fixture(scope="session")
def every():
    # Its text-preview fields (prefixPreview, substringPreview) need MongoDB 8.2.
    return querysafe.Schema.from_file(EVERY_SCHEMA, server_version="8.2")


@pytest.fixture(scope="session")
def encryptor():
    return querysafe.Encryptor.open_offline(KEYS / "vault.json", "@" + os.fspath(KEYS / "local-master.key"))
