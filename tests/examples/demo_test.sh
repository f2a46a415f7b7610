#!/usr/bin/env bash
# The ctest examples.demo: examples/demo.sh (what `./dev demo` runs) runs to its last line and
# exits 0 with nothing on stderr, prints exactly the step headings of demo_headings.txt in that
# order, removes its temporary directory, and never uses the checked-in test key (examples/keys/).
#
# usage: demo_test.sh REPO QUERYSAFE
set -euo pipefail

repo=$1
querysafe=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/querysafe-demo-test.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

fail() {
  echo "demo_test: $*" >&2
  exit 1
}

# The demo's own temporary directory goes under $work/tmp, so that its removal can be checked.
mkdir "$work/tmp"
rc=0
TMPDIR="$work/tmp" bash "$repo/examples/demo.sh" "$querysafe" >"$work/out" 2>"$work/err" || rc=$?
cat "$work/out"
if [ "$rc" != 0 ]; then
  cat "$work/err" >&2
  fail "demo.sh exited $rc"
fi
if [ -s "$work/err" ]; then
  cat "$work/err" >&2
  fail "demo.sh wrote to stderr"
fi

grep '^== ' "$work/out" >"$work/headings" || true
diff -u "$repo/tests/examples/demo_headings.txt" "$work/headings" ||
  fail "the headings differ from tests/examples/demo_headings.txt (- expected, + actual)"

[ -z "$(ls -A "$work/tmp")" ] || fail "demo.sh left files in its temporary directory: $(ls -A "$work/tmp")"

"$querysafe" keys list --key-vault "$repo/examples/keys/vault.json" |
  sed -n 's/.*"_id":"\([0-9a-f-]*\)".*/\1/p' >"$work/test-key-ids"
[ -s "$work/test-key-ids" ] || fail "could not list the test key ids"
if grep -F -f "$work/test-key-ids" "$work/out"; then
  fail "demo.sh used a data key of the checked-in test key vault"
fi
tr -d '\n' <"$repo/examples/keys/local-master.key" >"$work/test-master-key"
if grep -F -f "$work/test-master-key" "$work/out"; then
  fail "demo.sh printed the checked-in test master key"
fi
echo "demo_test: OK"
