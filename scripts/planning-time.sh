#!/usr/bin/env bash
# Planning time of every registered model (issue 20: "planning itself takes under 1 s for any registered model").
# Per model at one batch and resolution:
#   1. `plan --budget 1` fails with the least predicted peak (and measures the profile once, cached in
#      ~/.cache/medfusion/profiles; the profile's time is not planning time);
#   2. `plan --budget 1000GiB` gives the plain step's predicted peak;
#   3. `plan --budget B` at BUDGETS budgets evenly from the least peak to the plain one, each in a fresh JVM
#      (`planning_ms` of plan's JSON: the search alone, profile loaded, cold JIT: the user's case).
# Appends to <out>/planning-time.csv (model, blocks, budget, segments, plan, planning_ms) and prints per model the
# largest planning_ms and the median over its budgets. Run it on an idle machine: the figures are wall-clock times.
#
# Usage: scripts/planning-time.sh [out-dir (default /tmp/planning-time)]
# Environment: BATCH (4), RES (112), BUDGETS (10), MODELS (default: every model of list-models), JAR
# (target/benchmarks.jar).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mkdir -p "${1:-/tmp/planning-time}" && cd "${1:-/tmp/planning-time}" && pwd)"
jar="${JAR:-target/benchmarks.jar}"
batch="${BATCH:-4}" res="${RES:-112}" budgets="${BUDGETS:-10}"
listing="$(java -jar "$jar" list-models)"
models="${MODELS:-$(echo "$listing" | awk 'NR > 1 { print $1 }')}"
csv="$out/planning-time.csv"
[ -f "$csv" ] || echo "model,blocks,batch,res,budget_bytes,segments,plan,planning_ms" > "$csv"  # appends: runs add up
for m in $models; do
  blocks="$(echo "$listing" | awk -v m="$m" '$1 == m { print $4 }')"
  least="$( (java -jar "$jar" plan --model "$m" --batch "$batch" --res "$res" --budget 1 2>&1 || true) )"
  least="$(echo "$least" | sed -n 's/.*least predicted peak.* (\([0-9]*\) bytes).*/\1/p')"
  plain="$( (java -jar "$jar" plan --model "$m" --batch "$batch" --res "$res" --budget 1000GiB || true) \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["predicted_peak_bytes"])' 2>/dev/null || true)"
  if [ -z "$least" ] || [ -z "$plain" ]; then
    echo "$m: no profile or no plan at batch $batch, $res px (see plan --model $m --batch $batch --res $res --budget 1;" \
      "a model that needs another resolution: run it alone with RES=...)" >&2
    continue
  fi
  for i in $(seq 0 $((budgets - 1))); do
    b=$(python3 -c "print(round($least + ($plain - $least) * $i / max(1, $budgets - 1)))")
    java -jar "$jar" plan --model "$m" --batch "$batch" --res "$res" --budget "$b" | python3 -c '
import csv, json, sys
j = json.load(sys.stdin)
csv.writer(sys.stdout, lineterminator="\n").writerow(sys.argv[1:5] + [j["budget_bytes"], j["segments"], j["plan"],
                                                                   j["planning_ms"]])' "$m" "$blocks" "$batch" "$res" >> "$csv"
  done
done
python3 - "$csv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["model"], []).append(float(r["planning_ms"]))
print(f"{'model':24} {'budgets':>7} {'median ms':>10} {'max ms':>8}")
for m, t in by.items():
    print(f"{m:24} {len(t):7d} {statistics.median(t):10.1f} {max(t):8.1f}")
if rows:
    worst = max(rows, key=lambda r: float(r["planning_ms"]))
    print(f"slowest: {worst['model']} at {int(worst['budget_bytes']) / 2**20:.1f} MiB: {worst['planning_ms']} ms "
          f"({len(by)} models, {len(rows)} plans)")
EOF
