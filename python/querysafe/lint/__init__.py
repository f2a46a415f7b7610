"""A static lint of Django QuerySets: finds ``Model.objects...`` expressions in Python sources with
Python's ``ast``, writes each as querysafe's query text and compiles it against a schema, so that a
query MongoDB Queryable Encryption would refuse is reported before the code runs.

    python -m querysafe lint --schema schema.json app/      # no Django settings needed
    python manage.py querysafe_lint                          # the schema from the live models

Findings print as flake8 prints: ``path:line:col: QS51092 message [querysafe code]``, the number
being the MongoDB server's error code that ``querysafe check`` shows (QS000 where the refusal is
Django's own and has none, QS999 for a file that cannot be read or parsed).

What is not known statically becomes a ``$parameter``, never a finding: variables, calls,
attributes, f-strings. A chain is followed across assignments within one function (or a module
or class body) only where the code is straight-line: a name assigned in a branch or a loop is
dropped from then on, as is one declared ``global`` or ``nonlocal``. A model name that is not in
the schema, or anything the conversion cannot express in querysafe's language, is skipped
silently: the lint reports what it is sure of, and nothing else.
"""

from __future__ import annotations

import ast
import os
import sys
import tokenize
from typing import Iterable, Iterator, List, Optional, Sequence

from ..core import DEFAULT_SERVER_VERSION, Schema
from ..errors import Error
from .scopes import Finding, ModuleLint

__all__ = ["Finding", "lint_paths", "lint_source", "main", "report"]


def lint_source(source: str, schema: Schema, path: str = "<string>", *,
                server_version: str = DEFAULT_SERVER_VERSION, verbose=None) -> List[Finding]:
    """The findings in one file's text, sorted by position."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        line = e.lineno or 1
        column = e.offset or 1
        return [Finding(path, line, column, "QS999", f"SyntaxError: {e.msg}")]
    except (ValueError, RecursionError, MemoryError) as e:  # NUL bytes, nesting beyond the parser
        return [Finding(path, 1, 1, "QS999", f"SyntaxError: {e or type(e).__name__}")]
    module = ModuleLint(path, tree, source.splitlines(), schema, server_version, verbose)
    module.visit_body(tree.body, {})
    return sorted(module.findings.values())


def _python_files(paths: Iterable[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for directory, subdirectories, files in os.walk(path):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".")
                                           and d not in ("__pycache__", "node_modules"))
                for name in sorted(files):
                    if name.endswith(".py"):
                        yield os.path.join(directory, name)
        else:
            yield path


def lint_paths(paths: Iterable[str], schema: Schema, *, server_version: str = DEFAULT_SERVER_VERSION,
               verbose=None) -> List[Finding]:
    """The findings in the Python files of ``paths`` (files, or directories searched for *.py)."""
    findings = []
    for path in _python_files(paths):
        try:
            with tokenize.open(path) as f:  # the encoding declaration (PEP 263), as Python does
                source = f.read()
        except (OSError, SyntaxError, UnicodeDecodeError) as e:
            findings.append(Finding(path, 1, 1, "QS999", f"cannot read: {e}"))
            continue
        findings.extend(lint_source(source, schema, path, server_version=server_version,
                                    verbose=verbose))
    return findings


def report(findings: Sequence[Finding], out=None) -> int:
    """Prints the findings; the exit status: 1 when there is any, else 0."""
    out = out or sys.stdout
    for finding in findings:
        print(finding, file=out)
    return 1 if findings else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m querysafe lint --schema FILE [PATH...]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m querysafe lint",
        description="Find the Django QuerySets in Python sources that MongoDB Queryable "
                    "Encryption would refuse, checked against a querysafe schema.")
    parser.add_argument("paths", nargs="*", metavar="PATH", default=["."],
                        help="files, or directories searched for *.py (default: .)")
    parser.add_argument("--schema", required=True, help="the schema JSON (querysafe_schema writes it)")
    parser.add_argument("--server-version", default=DEFAULT_SERVER_VERSION,
                        help="the MongoDB version to check for (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print every query found, as checked or skipped, on stderr")
    args = parser.parse_args(argv)
    try:
        schema = Schema.from_file(args.schema, server_version=args.server_version)
    except (Error, OSError) as e:
        print(f"querysafe lint: {args.schema}: {e}", file=sys.stderr)
        return 2
    findings = lint_paths(args.paths, schema, server_version=args.server_version,
                          verbose=sys.stderr if args.verbose else None)
    return report(findings)
