#!/usr/bin/env bash
# fuzz/run.sh BINARY TARGET SECONDS [LIBFUZZER FLAGS...]
#
# Runs one libFuzzer target for SECONDS (`./dev fuzz TARGET SECONDS` builds the fuzz preset and
# calls this). The fuzzer starts from the committed seeds (fuzz/corpora/TARGET, only read) and
# from what earlier runs found (build/fuzz-work/TARGET/corpus, where new inputs go, never into
# the repository). At the end it prints the executions, coverage and corpus size, and appends
# them to build/fuzz-work/runs.tsv (campaign totals).
#
# Exit status: 0 if the run found nothing; 1 on any finding (crash, sanitizer report, broken
# invariant, leak, timeout, out-of-memory), after printing where the reproducer is and how to
# replay and minimize it; 2 on a usage error. Extra arguments go to libFuzzer as they are
# (e.g. -use_value_profile=1, -jobs is not for this machine).
#
# Environment: QUERYSAFE_FUZZ_WORK moves the scratch directory (default build/fuzz-work).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 BINARY TARGET SECONDS [LIBFUZZER FLAGS...]" >&2
  exit 2
fi
bin=$1 target=$2 seconds=$3
shift 3
case "$seconds" in
  '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(dirname "$here")
work_root=${QUERYSAFE_FUZZ_WORK:-$repo/build/fuzz-work}
work=$work_root/$target
mkdir -p "$work/corpus" "$work/artifacts"

# Per target: the dictionary and the longest input. Queries worth fuzzing are short (the golden
# ones are under 700 bytes; 4 KiB leaves room for nesting to the depth limit); schemas are
# larger (qe_matrix.json is 5 KB).
case "$target" in
  parse) dict=$here/dicts/parse.dict max_len=4096 ;;
  pipeline)
    dict=$work/pipeline.dict max_len=4096
    cat "$here/dicts/parse.dict" "$here/dicts/pipeline.dict" >"$dict"
    ;;
  schema) dict=$here/dicts/schema.dict max_len=16384 ;;
  # BSON commands: the markings vectors' are under 1.5 KB.
  crypt_shared) dict=$here/dicts/crypt_shared.dict max_len=8192 ;;
  *) echo "run.sh: unknown target '$target' (targets: parse, pipeline, schema, crypt_shared)" >&2; exit 2 ;;
esac

# allow_user_poisoning=0: Debian's abseil is not instrumented, and its headers poison hash-table
# slots its own code then reads (CMakeLists.txt). Leaks are findings.
asan=allow_user_poisoning=0:detect_leaks=1:abort_on_error=0:symbolize=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-$asan}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
log=$work/run-$stamp.log
marker=$work/.run-$stamp
touch "$marker"

echo "fuzz $target: ${seconds} s, $bin"
echo "  corpus: $here/corpora/$target (seeds) + $work/corpus (new inputs)"
echo "  log:    $log"
set +e
# -rss_limit_mb/-malloc_limit_mb: a query or schema that needs 2 GB is a finding, as is one
# input running 10 s (-timeout; the slowest seeds take milliseconds under ASan).
"$bin" \
  -max_total_time="$seconds" \
  -dict="$dict" \
  -max_len="$max_len" \
  -rss_limit_mb=2048 \
  -malloc_limit_mb=2048 \
  -timeout=10 \
  -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" \
  "$@" \
  "$work/corpus" "$here/corpora/$target" >"$log" 2>&1
status=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
[ -n "$rate" ] || rate=$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")
# Columns: start (UTC), target, seconds, executions, exec/s, edges, features, corpus
# (files/size), libFuzzer's exit status.
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$target" "$seconds" "${execs:-0}" \
  "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status" >>"$work_root/runs.tsv"

echo "fuzz $target: ${execs:-0} executions in ${seconds} s (${rate:-?} exec/s)," \
  "coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}"

if [ "$status" -eq 0 ]; then
  rm -f "$marker"
  exit 0
fi

# A finding: libFuzzer wrote the input that caused it under artifacts/ (crash-*, leak-*,
# timeout-*, oom-*, slow-unit-*).
echo "fuzz $target: FINDING (libFuzzer exit status $status). The end of the log:"
tail -n 60 "$log" | sed 's/^/  | /'
found=0
while IFS= read -r artifact; do
  found=1
  echo "fuzz $target: reproducer $artifact"
done < <(find "$work/artifacts" -type f -newer "$marker" 2>/dev/null | sort)
rm -f "$marker"
if [ "$found" = 0 ]; then
  echo "fuzz $target: libFuzzer wrote no reproducer; see $log"
fi
cat <<EOF
  replay:   $bin REPRODUCER   (or build/default/fuzz/${target}_replay REPRODUCER, no sanitizers)
  minimize: $bin -minimize_crash=1 -runs=100000 \
              -exact_artifact_path=$work/artifacts/minimized REPRODUCER
  then add it as fuzz/corpora/$target/repro-NAME and a regression case (fuzz/README.md)
EOF
exit 1
