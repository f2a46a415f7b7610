#!/usr/bin/env python3
"""Checks the include directions between the stages of lib/ (lib/README.md, "Who includes whom").

Every `#include "lib/<stage>/..."` and `#include "grammar/..."` in lib/ must be allowed by
ALLOWED below. A stage includes its own headers, lib/common/, and from the stages before it only
the tree it consumes (and the few shared headers listed); the front ends on top (api, capi, mql,
crypt_shared) include the stages they drive. There is no list of tolerated exceptions: a new
include across a boundary either fits the graph or the graph (here and in lib/README.md) changes
in the same commit, with a reason.

Usage: check_includes.py REPO_ROOT. Exit 0 when every include is allowed, 1 otherwise, with one
line per offending include: file:line, the include, and the rule it breaks.
"""

import fnmatch
import pathlib
import re
import sys

# stage -> what it may include from other stages ("stage/*" is the whole stage). Every stage may
# include its own headers and lib/common/*; lib/common includes no other stage.
SCHEMA_TREE = "schema/model.h"  # the compiled schema, read by every stage after schema
FIELD_TABLE = "schema/field_types.h"  # the field-class table the compiled schema's classes index
LOOKUP_TABLE = "analyze/lookup_table.h"  # the lookups the bound tree names, and how each lowers
SERVER_RULES = "analyze/rules/server_rules.h"  # the QE rules' server codes and messages
ALLOWED = {
    "common": [],
    "parse": ["grammar/*"],
    "schema": [],
    "analyze": ["parse/ast.h", SCHEMA_TREE, FIELD_TABLE],
    "lower": ["analyze/bound.h", "analyze/instance.h", LOOKUP_TABLE, SCHEMA_TREE],
    "crypt": ["lower/encryption_request.h", SCHEMA_TREE, SERVER_RULES],
    "exec": ["lower/lower.h", "lower/encryption_request.h", "lower/lowered_instance.h", "crypt/*",
             SCHEMA_TREE, "schema/bson_equivalent.h", SERVER_RULES],
    "mql": ["analyze/*", "schema/*"],
    "api": ["parse/*", "schema/*", "analyze/*", "lower/*", "crypt/*", "exec/*"],
    "capi": ["api/*", "parse/*", "schema/*", "analyze/*", "lower/*", "crypt/*", "exec/*"],
    "crypt_shared": ["mql/*"],
}

WHY = {
    "common": "lib/common is below every stage and includes none of them",
    "parse": "parse includes only the grammar and lib/common",
    "schema": "schema includes only lib/common",
    "analyze": ("analyze consumes the AST (parse/ast.h) and the compiled schema (schema/model.h, "
                "with its field-class table schema/field_types.h)"),
    "lower": ("lower consumes the bound trees (analyze/bound.h, analyze/instance.h, with the "
              "lookup table analyze/lookup_table.h) and the compiled schema"),
    "crypt": ("crypt consumes encryption requests (lower/encryption_request.h), the compiled "
              "schema and the QE rules' codes (analyze/rules/server_rules.h)"),
    "exec": ("exec consumes lowered commands (lower/lower.h, lower/encryption_request.h, "
             "lower/lowered_instance.h), "
             "crypt's encryption, the compiled schema (and, for migrate, schema/bson_equivalent.h to "
             "compare encryptedFields) and the QE rules' codes (analyze/rules/server_rules.h)"),
    "mql": "the MQL front end drives analyze and reads the schema",
    "api": "the C++ API drives the pipeline stages, not the other front ends",
    "capi": "the C API sits on the C++ API and the stages under it",
    "crypt_shared": "the crypt_shared ABI sits on the MQL front end",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"((?:lib/([a-z_]+)/|grammar/)[^"]+)"')
SOURCE_SUFFIXES = {".h", ".cc", ".c", ".hpp", ".cpp", ".ipp"}


def allowed(stage, target):
    """Whether lib/<stage> may include `target` (a path under lib/, or grammar/...)."""
    if target.startswith(f"{stage}/") or target.startswith("common/"):
        return True
    return any(fnmatch.fnmatchcase(target, pattern) for pattern in ALLOWED[stage])


def check(root):
    """The offending includes under root/lib, one message each, and how many includes were read."""
    lib = root / "lib"
    problems = []
    checked = 0
    for path in sorted(lib.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        stage = path.relative_to(lib).parts[0]
        if stage not in ALLOWED:
            problems.append(f"{path.relative_to(root)}: lib/{stage}/ is not a stage of the "
                            "include graph; add it to tests/layering/check_includes.py and "
                            "lib/README.md")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            checked += 1
            include = match.group(1)
            target = include[len("lib/"):] if include.startswith("lib/") else include
            if not allowed(stage, target):
                problems.append(
                    f'{path.relative_to(root)}:{number}: #include "{include}" is not allowed: '
                    f"{WHY[stage]} (lib/README.md, \"Who includes whom\")")
    return problems, checked


def self_test():
    """The check itself: a tree with one include of each kind gives exactly the expected errors."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        files = {
            "lib/lower/a.cc": '#include "lib/analyze/coerce.h"\n#include "lib/analyze/bound.h"\n',
            "lib/crypt/b.h": '#include "lib/exec/client.h"\n#include "lib/common/arena.h"\n',
            "lib/exec/c.cc": '#  include "lib/analyze/rules/server_rules.h"\n',
            "lib/api/d.cc": '#include "lib/exec/client.h"\n#include "lib/mql/marker.h"\n',
        }
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        problems, checked = check(root)
    expected = [
        'lib/api/d.cc:2: #include "lib/mql/marker.h" is not allowed: ' + WHY["api"],
        'lib/crypt/b.h:1: #include "lib/exec/client.h" is not allowed: ' + WHY["crypt"],
        'lib/lower/a.cc:1: #include "lib/analyze/coerce.h" is not allowed: ' + WHY["lower"],
    ]
    got = [p.split(" (lib/README.md")[0] for p in problems]
    if got != expected or checked != 7:
        print("self-test failed: expected", expected, "got", got, "checked", checked)
        return False
    return True


def main():
    if len(sys.argv) != 2:
        print("usage: check_includes.py REPO_ROOT", file=sys.stderr)
        return 2
    if not self_test():
        return 1
    problems, checked = check(pathlib.Path(sys.argv[1]))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} include(s) cross a stage boundary the wrong way")
        return 1
    print(f"all {checked} includes of lib/ and grammar/ headers in lib/ follow the stage graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
