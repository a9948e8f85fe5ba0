#!/usr/bin/env bash
# Reproduces the planner's predicted-vs-measured evidence (README, "Planning under a memory budget"), one run at a
# time, each JMH run with its own java.io.tmpdir (JMH's lock). Per cell (model, batch, res, segments S):
#   1. `profile` (cached in ~/.cache/medfusion/profiles; a cached profile is reused);
#   2. `plan --compare 1` (the plain step) and `plan --compare S` (uniform, torch, optimal at S): predicted peaks;
#   3. memory only (no timing forks): the plain step and the S-segment uniform, torch and optimal splits, each in one
#      memory fork (TrainingStepBenchmark.step$ with PeakMemoryProfiler, 2 warm-up + 3 measured steps);
#   4. <out>/table.md: predicted, measured (cpu.rss.peak, median of the fork's steps, decimal MB) and the error per
#      plan, and whether optimal measured above uniform or torch.
# Re-running resumes: finished profiles and JMH results are kept.
#
# Usage: scripts/planner-evidence.sh [out-dir (default /tmp/planner-evidence)]
# Environment: CELLS ("model:batch:res:segments[:splits] ...", default: every model of bench-configs/zoo-cpu.yaml at
# 4:64:4; splits, e.g. "optimal" or "uniform,optimal", measures only those at S, e.g. a `plan --budget` choice),
# JAR (target/benchmarks.jar, copied once), WARMUP (2), ITERATIONS (3), MEASURE=0 (only tabulate what is measured).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mkdir -p "${1:-/tmp/planner-evidence}" && cd "${1:-/tmp/planner-evidence}" && pwd)"
zoo="resnet50 mobilenet_v3_large efficientnet_b0 efficientnet_v2_s regnet_y_1_6gf vit_b_16 swin_t convnext_tiny"
default_cells=""
for m in $zoo; do default_cells="$default_cells $m:4:64:4"; done
cells="${CELLS:-$default_cells}"
mkdir -p "$out/tmp"
[ -f "$out/benchmarks.jar" ] || cp "${JAR:-target/benchmarks.jar}" "$out/benchmarks.jar"
java_run=(java -Djava.io.tmpdir="$out/tmp" -jar "$out/benchmarks.jar")

memory() { # memory <json> <model> <batch> <res> <segments> <splits>
  local json="$1" m="$2" b="$3" r="$4" s="$5" splits="$6"
  [ -f "$json" ] && return 0
  echo "$(date -u +%H:%M:%S) memory $m b$b r$r s$s $splits ($(uptime | sed 's/.*load/load/'))" >&2
  "${java_run[@]}" 'org.medfusion.bench.TrainingStepBenchmark.step$' -p model="$m" -p batch="$b" -p res="$r" \
    -p segments="$s" -p split="$splits" -bm ss -f 1 -wi "${WARMUP:-2}" -i "${ITERATIONS:-3}" \
    -prof org.medfusion.bench.PeakMemoryProfiler -rf json -rff "$json.part" > "${json%.json}.log" 2>&1 \
    && mv "$json.part" "$json" || echo "  failed: see ${json%.json}.log" >&2
}

for cell in $cells; do
  IFS=: read -r m b r s splits <<< "$cell"
  id="${m}_b${b}_r${r}"
  splits="${splits:-uniform,torch,optimal}"
  tag="s$s"; [ "$splits" = uniform,torch,optimal ] || tag="s$s-${splits//,/-}"
  if [ "${MEASURE:-1}" != 0 ]; then
    if [ ! -s "$out/$id.profile.csv" ]; then
      echo "$(date -u +%H:%M:%S) profile $id" >&2
      "${java_run[@]}" profile --model "$m" --batch "$b" --res "$r" > "$out/$id.profile.csv"
    fi
    for k in 1 "$s"; do
      [ -s "$out/$id.compare$k.csv" ] || "${java_run[@]}" plan --model "$m" --batch "$b" --res "$r" --compare "$k" > "$out/$id.compare$k.csv"
    done
    memory "$out/$id.plain.json" "$m" "$b" "$r" 0 uniform
    memory "$out/$id.$tag.json" "$m" "$b" "$r" "$s" "$splits"
  fi
done

python3 - "$out" $cells <<'EOF'
import csv, json, os, re, statistics, sys
out, cells = sys.argv[1], sys.argv[2:]
def predicted(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {row["split"]: (int(row["predicted_peak_bytes"]), " ".join("[%s,%s)" % ab for ab in re.findall(r"start=(\d+), end=(\d+)", row["plan"])))
                for row in csv.DictReader(f)}
def measured(path):
    if not os.path.exists(path):
        return {}
    res = {}
    for bench in json.load(open(path)):
        metric = bench.get("secondaryMetrics", {}).get("cpu.rss.peak")
        if metric:
            steps = [v for fork in metric["rawData"] for v in fork]
            res[bench["params"]["split"]] = (statistics.median(steps), steps)
    return res
mb = lambda v: "%.1f" % (v / 1e6)
rows = ["| cell | plan | predicted (MB) | measured (MB, steps) | error |", "|---|---|---|---|---|"]
verdicts = []
for cell in cells:
    m, b, r, s = cell.split(":")[:4]
    splits = cell.split(":")[4].split(",") if len(cell.split(":")) > 4 else None
    base = os.path.join(out, "%s_b%s_r%s" % (m, b, r))
    plain_p = predicted(base + ".compare1.csv").get("uniform")
    plain_m = measured(base + ".plain.json").get("uniform")
    split_p = predicted(base + ".compare%s.csv" % s)
    split_m = measured(base + (".s%s-%s.json" % (s, "-".join(splits)) if splits else ".s%s.json" % s))
    plans = [("s%s %s" % (s, k), split_p.get(k), split_m.get(k)) for k in (splits or ("uniform", "torch", "optimal"))]
    for label, p, meas in ([] if splits else [("plain", plain_p, plain_m)]) + plans:
        plan = p[1] if p else "?"
        pred = mb(p[0]) if p else "missing"
        if meas:
            msr = "%s (%s)" % (mb(meas[0]), "/".join(mb(v) for v in meas[1]))
            err = "%+.1f %%" % ((p[0] - meas[0]) / meas[0] * 100) if p else "missing"
        else:
            msr, err = "missing", "missing"
        rows.append("| %s b%s %s px | %s %s | %s | %s | %s |" % (m, b, r, label, plan, pred, msr, err))
    if not splits and all(k in split_m for k in ("uniform", "torch", "optimal")):
        o, u, t = (split_m[k][0] for k in ("optimal", "uniform", "torch"))
        verdict = "not above either"
        if o > min(u, t):
            verdict = "ABOVE %s by %s MB (%.1f %%; optimal's steps %s-%s MB)" % (
                " and ".join(n for n, v in (("uniform", u), ("torch", t)) if o > v), mb(o - min(u, t)), (o - min(u, t)) / min(u, t) * 100,
                mb(min(split_m["optimal"][1])), mb(max(split_m["optimal"][1])))
        update = None
        if os.path.exists(base + ".profile.csv"):
            first = open(base + ".profile.csv").readline()
            update = int(first.split(":")[1]) if first.startswith("# optimizer update peak bytes:") else None
        floor = ""
        if update is not None and all(split_p.get(k) and split_p[k][0] == update for k in ("uniform", "torch", "optimal")):
            floor = " (every s%s plan's predicted peak is the optimizer update's, %s MB: the splits tie)" % (s, mb(update))
        verdicts.append("%s b%s %s px s%s: optimal %s MB vs uniform %s, torch %s: %s%s" % (m, b, r, s, mb(o), mb(u), mb(t), verdict, floor))
compact = ["| cell | plain | uniform | torch | optimal | optimal vs min(uniform, torch), measured |", "|---|---|---|---|---|---|"]
for cell in cells:
    if len(cell.split(":")) > 4:
        continue
    m, b, r, s = cell.split(":")
    base = os.path.join(out, "%s_b%s_r%s" % (m, b, r))
    pp = dict(predicted(base + ".compare%s.csv" % s), plain=predicted(base + ".compare1.csv").get("uniform"))
    mm = dict(measured(base + ".s%s.json" % s), plain=measured(base + ".plain.json").get("uniform"))
    pair = lambda k: "%s / %s" % (mb(pp[k][0]) if pp.get(k) else "-", mb(mm[k][0]) if mm.get(k) else "-")
    diff = "-"
    if all(mm.get(k) for k in ("uniform", "torch", "optimal")):
        low = min(mm["uniform"][0], mm["torch"][0])
        diff = "%+.1f MB (%+.1f %%)" % ((mm["optimal"][0] - low) / 1e6, (mm["optimal"][0] - low) / low * 100)
    compact.append("| %s b%s %s px s%s | %s |" % (m, b, r, s, " | ".join(pair(k) for k in ("plain", "uniform", "torch", "optimal")) + " | " + diff))
text = "\n".join(rows) + "\n\n" + "\n".join(verdicts) + "\n\npredicted / measured (MB):\n\n" + "\n".join(compact) + "\n"
open(os.path.join(out, "table.md"), "w").write(text)
print(text)
EOF
