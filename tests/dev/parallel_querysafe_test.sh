#!/usr/bin/env bash
# tests/dev/parallel_querysafe_test.sh: four `./dev querysafe translate` at once, as a script that
# checks queries in parallel would start them, from a directory outside the checkout with a
# schema given by a relative path. Each must succeed and print exactly what
# examples/medical-records/expected.txt says. CI runs it first, on the fresh clone's empty build
# directory, so the four race to build the command: the build lock makes one build and the others
# wait, and none of them runs a half-linked binary.
#
# usage: tests/dev/parallel_querysafe_test.sh   (exit 0: all four agree; 1: a failure, shown)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
expected=$repo/examples/medical-records/expected.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/querysafe-parallel.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

if [ -e "$repo/build/default/build.ninja" ]; then
  echo "parallel_querysafe_test: build/default exists: the four calls find the command built"
else
  echo "parallel_querysafe_test: build/default is empty: the four calls race to build the command"
fi

cp "$repo/examples/medical-records/schema.json" "$work/schema.json"
queries=(
  'Patient.objects.get(patient_record__ssn="987-65-4320")'
  'Patient.objects.filter(patient_record__ssn__in=["987-65-4320", "123-45-6789"])'
  'Patient.objects.filter(patient_id=12345678)'
  'Patient.objects.filter(patient_name__startswith="John")'
)

# The line after "[stdout]" under the transcript's `$ querysafe translate --schema schema.json 'Q'`.
expected_for() {
  awk -v cmd="\$ querysafe translate --schema schema.json '$1'" '
    $0 == cmd { found = 1; next }
    found && $0 == "[stdout]" { getline; print; exit }' "$expected"
}

cd "$work"
pids=()
for i in "${!queries[@]}"; do
  "$repo/dev" querysafe translate --schema ./schema.json "${queries[$i]}" \
    >"$work/out.$i" 2>"$work/err.$i" &
  pids+=($!)
done

failed=0 passed=0
for i in "${!queries[@]}"; do
  status=0
  wait "${pids[$i]}" || status=$?
  want=$(expected_for "${queries[$i]}")
  if [ -z "$want" ]; then
    echo "FAIL: no expected output for ${queries[$i]} in $expected"
    failed=1
  elif [ "$status" != 0 ] || [ "$(cat "$work/out.$i")" != "$want" ]; then
    echo "FAIL: ./dev querysafe translate --schema ./schema.json '${queries[$i]}' (exit $status)"
    echo "--- stdout"; cat "$work/out.$i"
    echo "--- stderr"; cat "$work/err.$i"
    echo "--- expected"; echo "$want"
    failed=1
  else
    echo "ok: ${queries[$i]}"
    passed=$((passed + 1))
  fi
done
# The plain closing line CI's log reader counts.
echo "parallel_querysafe_test: $passed passed, $((${#queries[@]} - passed)) failed"
exit "$failed"
