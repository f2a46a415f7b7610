#!/bin/bash
# anchor.sh QUERYSAFE_BENCH: the performance anchor, both sides in one run on one machine.
# Django (django_anchor.py: QuerySet construction + SQL compilation of the two anchor queries)
# and querysafe (BM_TranslateOnce: text in, finished MQL command out, same text, same model),
# each as its best of five rounds, then the ratio. Run by `./dev bench --anchor`. Prints:
#   django NAME MICROSECONDS
#   querysafe NAME MICROSECONDS
#   ratio NAME X
set -euo pipefail
bench=$1
here=$(cd "$(dirname "$0")" && pwd)
rounds=${QUERYSAFE_ANCHOR_ROUNDS:-5}

work=$(mktemp -d "${TMPDIR:-/tmp}/querysafe-anchor.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 "$here/django_anchor.py" >"$work/django.txt"
"$bench" --benchmark_filter='^BM_TranslateOnce/anchor_(simple|three_predicate)/real_time/threads:1$' \
  --benchmark_repetitions="$rounds" --benchmark_min_time=0.5s \
  --benchmark_format=json --benchmark_out="$work/querysafe.json" --benchmark_out_format=json \
  >/dev/null

python3 - "$work/django.txt" "$work/querysafe.json" <<'PY'
import json
import sys

django = {}
with open(sys.argv[1]) as f:
    for line in f:
        if line.startswith("#"):
            print(line.rstrip())
            continue
        _, name, us = line.split()
        django[name] = float(us)

report = json.load(open(sys.argv[2]))
best = {}
rounds = 0
for run in report["benchmarks"]:
    if run.get("run_type") != "iteration":
        continue
    rounds += 1
    name = run["run_name"].split("/")[1].removeprefix("anchor_")
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}[run["time_unit"]]
    us = run["real_time"] * scale
    best[name] = min(best.get(name, us), us)

ctx = report["context"]
print(f"# querysafe best of {rounds // max(len(best), 1)} repetitions; "
      f"{ctx.get('num_cpus')} CPUs, load average {ctx.get('load_avg')}")
for name in ("simple", "three_predicate"):
    print(f"django {name} {django[name]:.2f}")
    print(f"querysafe {name} {best[name]:.3f}")
    print(f"ratio {name} {django[name] / best[name]:.1f}")
PY
