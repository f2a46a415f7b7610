"""``python -m querysafe lint --schema FILE [PATH...]``: the QuerySet lint, without Django.

Checks the Django QuerySets found in Python sources against a querysafe schema (querysafe.lint),
printing findings as flake8 does; exit 0 when nothing is refused, 1 when anything is, 2 for a
usage or schema error. ``manage.py querysafe_lint`` does the same with the schema of the project's
live models."""

import sys

USAGE = """usage: python -m querysafe lint --schema FILE [--server-version X.Y] [-v] [PATH...]

commands:
  lint    find the Django QuerySets in Python sources that MongoDB Queryable Encryption would
          refuse (python -m querysafe lint --help)"""


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] != "lint":
        print(f"python -m querysafe: unknown command {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    from .lint import main as lint_main

    return lint_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
