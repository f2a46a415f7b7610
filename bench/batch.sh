#!/bin/bash
# batch.sh QUERYSAFE [N]: `querysafe check` (the batch mode) on N anchor queries in one process,
# against one process per query. The queries are the two anchor queries of translate_bench.cc,
# alternately, each line with its own literal so that no compiled query is reused (every line is
# compiled and translated, as BM_TranslateOnce does), on the anchor schema. Prints:
#   batch N distinct: best MS ms, US us/query, QPS queries/s (best of ROUNDS)
#   batch N repeated: ...  (the two texts repeated: compiled once each, translated N times)
#   process: MS ms per `querysafe translate` (mean of 50), so N processes: S s
# Run inside the build root: ./dev shell bench/batch.sh build/bench/tools/querysafe
set -euo pipefail
querysafe=$1
n=${2:-10000}
rounds=${QUERYSAFE_BATCH_ROUNDS:-5}
here=$(cd "$(dirname "$0")" && pwd)
schema=$here/../tests/data/conformance/schemas/anchor.json

work=$(mktemp -d "${TMPDIR:-/tmp}/querysafe-batch.XXXXXX")
trap 'rm -rf "$work"' EXIT

simple='Patient.objects.filter(ssn="%s")'
three='Patient.objects.filter(Q(ssn="%s") | Q(score__gte=5), patient_name__startswith="J").exclude(patient_id__in=[1, 2, 3]).order_by("-assessed_on")[:10]'
for ((i = 0; i < n; i += 2)); do
  printf -v ssn '%03d-%02d-%04d' $((i / 1000000 % 1000)) $((i / 10000 % 100)) $((i % 10000))
  printf "$simple\n$three\n" "$ssn" "$ssn"
done | head -n "$n" >"$work/distinct.txt"
for ((i = 0; i < n; i += 2)); do
  printf "$simple\n$three\n" 987-65-4320 987-65-4320
done | head -n "$n" >"$work/repeated.txt"

now_ns() { date +%s%N; }

# best_of NAME FILE: runs the batch ROUNDS times, checks its output, prints the best time.
best_of() {
  local name=$1 file=$2 best=0 start end ns accepted
  for ((r = 0; r < rounds; r++)); do
    start=$(now_ns)
    "$querysafe" check --schema "$schema" "$file" >"$work/out" 2>"$work/err"
    end=$(now_ns)
    ns=$((end - start))
    if ((best == 0 || ns < best)); then best=$ns; fi
  done
  accepted=$(grep -c '"accepted":true' "$work/out")
  [ "$accepted" = "$n" ] || { echo "batch.sh: only $accepted of $n accepted" >&2; exit 1; }
  awk -v name="$name" -v n="$n" -v ns="$best" -v rounds="$rounds" 'BEGIN {
    printf "batch %d %s: best %.1f ms, %.2f us/query, %.0f queries/s (best of %d)\n",
           n, name, ns / 1e6, ns / 1e3 / n, n / (ns / 1e9), rounds }'
}

best_of distinct "$work/distinct.txt"
best_of repeated "$work/repeated.txt"

processes=50
start=$(now_ns)
for ((i = 0; i < processes; i++)); do
  "$querysafe" translate --schema "$schema" 'Patient.objects.filter(ssn="987-65-4320")' >/dev/null
done
end=$(now_ns)
awk -v ns="$((end - start))" -v p="$processes" -v n="$n" 'BEGIN {
  printf "process: %.2f ms per querysafe translate (mean of %d), so %d processes: %.1f s\n",
         ns / 1e6 / p, p, n, ns / 1e9 / p * n }'
