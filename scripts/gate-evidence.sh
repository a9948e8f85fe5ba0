#!/usr/bin/env bash
# Reproduces the regression gate's evidence (README, "Regression gate" > "Evidence"), one run at a time, each with its
# own java.io.tmpdir (JMH's lock), the machine's load (uptime) kept beside each run:
#   time:   bench-configs/evidence.yaml (ResNet-18 b8 64 px, plain and 4 segments). N A/A runs of one build (aa-k),
#           interleaved with N runs under `run --diag recompute-twice=<k>` (rt-k: segment k recomputed once more, a
#           slower checkpointed step), so that a drift of the load hits both alike. Every A/A pair (consecutive, and
#           each against the first) must pass the gate; every rt-k, gated against aa-k, must fail it.
#   memory: bench-configs/evidence-memory.yaml (ResNet-18 b16 112 px, where activations set the step's peak). N_MEMORY
#           A/A runs (ma-k) interleaved with N_MEMORY runs under `run --diag keep-alive=<k>` (ka-k: segment k's
#           activations kept until the step ends, a higher peak); ka-k is gated against ma-k (ma-1 when ma-k is absent).
# Every gate runs with the defaults and with the CI settings (--ratio-only, as .ci/run); verdicts, p-values and
# changes go to <out>/evidence.md. Re-running resumes: finished runs and gates are kept.
#
# Usage: scripts/gate-evidence.sh [out-dir (default /tmp/gate-evidence)]
# Environment: N (5), N_MEMORY (N), N_MEMORY_AA (N_MEMORY: memory A/A runs; ka-k with k above it are gated against
# ma-1), RECOMPUTE_SEGMENT (0,1: segments 0 and 1 recomputed once more), KEEP_ALIVE_SEGMENT (2), JAR (target/benchmarks.jar, copied
# once so that every run uses the same build), MEASURE=0 (only gate the runs already measured).
set -euo pipefail
cd "$(dirname "$0")/.."
# libtorch's default threads (one per core) unless OMP_NUM_THREADS is set. Run it on an otherwise idle machine: on a
# loaded one a 2-thread OpenMP step waits at every barrier for a descheduled thread (a ResNet-18 b4 32 px step took
# 2.3-12 s with 2 threads at load 20, 0.3-0.7 s with OMP_NUM_THREADS=1), and each run's load is kept beside it.
out="$(mkdir -p "${1:-/tmp/gate-evidence}" && cd "${1:-/tmp/gate-evidence}" && pwd)"
n="${N:-5}"
nm="${N_MEMORY:-$n}"
nma="${N_MEMORY_AA:-$nm}"
rt="${RECOMPUTE_SEGMENT:-0,1}"
ka="${KEEP_ALIVE_SEGMENT:-2}"
mkdir -p "$out/tmp" "$out/gates"
[ -f "$out/benchmarks.jar" ] || cp "${JAR:-target/benchmarks.jar}" "$out/benchmarks.jar"
[ -f "$out/evidence.yaml" ] || cp bench-configs/evidence.yaml "$out/evidence.yaml"
[ -f "$out/evidence-memory.yaml" ] || cp bench-configs/evidence-memory.yaml "$out/evidence-memory.yaml"
java_run=(java -Djava.io.tmpdir="$out/tmp" -jar "$out/benchmarks.jar")

run() { # run <name> <config file> [run options...]
  local name="$1" config="$2"; shift 2
  if [ -f "$out/$name.done" ]; then return; fi
  uptime > "$out/$name.load"
  echo "$(date -u +%H:%M:%S) run $name $* ($(cat "$out/$name.load"))" >&2
  local start=$SECONDS
  "${java_run[@]}" run --config "$out/$config" --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  echo "$((SECONDS - start))" > "$out/$name.done"
}

if [ "${MEASURE:-1}" != 0 ]; then
  for k in $(seq 1 "$n"); do
    run "aa-$k" evidence.yaml
    run "rt-$k" evidence.yaml --diag "recompute-twice=$rt"
  done
  for k in $(seq 1 "$nm"); do
    [ "$k" -le "$nma" ] && run "ma-$k" evidence-memory.yaml
    run "ka-$k" evidence-memory.yaml --diag "keep-alive=$ka"
  done
fi

gate() { # gate <label> <baseline> <candidate> [gate options...]
  local label="$1" base="$2" cand="$3"; shift 3
  local rc=0
  [ -f "$out/$base.done" ] && [ -f "$out/$cand.done" ] || return 0 # a run not measured (yet): no gate
  [ -f "$out/gates/$label.rc" ] && return 0 # gated before
  "${java_run[@]}" gate "$out/$base" "$out/$cand" --format json "$@" > "$out/gates/$label.json" 2> "$out/gates/$label.err" || rc=$?
  echo "$rc" > "$out/gates/$label.rc"
}
pairs=()
for a in aa ma; do
  last=$n; [ "$a" = ma ] && last=$nma
  for k in $(seq 2 "$last"); do pairs+=("$a-1:$a-$k"); done
  for k in $(seq 2 "$((last - 1))"); do pairs+=("$a-$k:$a-$((k + 1))"); done
done
for k in $(seq 1 "$n"); do pairs+=("aa-$k:rt-$k"); done
for k in $(seq 1 "$nm"); do
  if [ -f "$out/ma-$k.done" ]; then pairs+=("ma-$k:ka-$k"); else pairs+=("ma-1:ka-$k"); fi
done
for p in "${pairs[@]}"; do
  b="${p%%:*}"; c="${p##*:}"
  gate "default__${b}__${c}" "$b" "$c"
  gate "ci__${b}__${c}" "$b" "$c" --ratio-only
done

python3 - "$out" <<'PY'
import json, glob, os, re, sys
out = sys.argv[1]
def load(run):
    with open(os.path.join(out, run + ".load")) as f:
        m = re.search(r"load average: ([\d.]+)", f.read())
    return m.group(1) if m else "?"
def check(v, name):
    for r in v["results"]:
        if r["check"] == name and "_s4_" in r["cell"]:
            p = re.search(r"p = ([0-9.e+-]+)", r["why"] or "")
            return "%s %s%s" % (r["verdict"], r["change"], (" p=" + p.group(1)) if p else "")
    return "-"
kinds = {"aa": "time A/A", "rt": "recompute-twice", "ma": "memory A/A", "ka": "keep-alive"}
rows = []
for f in sorted(glob.glob(os.path.join(out, "gates", "*.json"))):
    settings, base, cand = os.path.basename(f)[:-5].split("__")
    rc = open(f[:-5] + ".rc").read().strip()
    try:
        v = json.load(open(f))
        failed = [r["cell"].split("_")[3] + " " + r["check"] for r in v["results"] if r["verdict"] == "fail"]
        verdict = "PASS" if v["passed"] else "FAIL: " + ", ".join(failed)
        cells = (check(v, "time-ratio"), check(v, "time-absolute"), check(v, "memory-peak"))
    except ValueError:
        verdict, cells = "refused: " + open(f[:-5] + ".err").read().strip()[:120], ("", "", "")
    rows.append((kinds[cand[:2]], settings, base, cand, rc, verdict) + cells)
rows.sort(key=lambda r: (list(kinds.values()).index(r[0]), r[1], int(r[2][3:]), int(r[3][3:])))
with open(os.path.join(out, "evidence.md"), "w") as f:
    f.write("| kind | settings | baseline (load) | candidate (load) | exit | verdict | s4 time-ratio | s4 time-absolute | s4 memory-peak |\n")
    f.write("|---|---|---|---|---|---|---|---|---|\n")
    for kind, s, b, c, rc, verdict, tr, ta, mp in rows:
        f.write("| %s | %s | %s (%s) | %s (%s) | %s | %s | %s | %s | %s |\n" % (kind, s, b, load(b), c, load(c), rc, verdict, tr, ta, mp))
    f.write("\n")
    for k in kinds.values():
        for s in ("default", "ci"):
            sel = [r for r in rows if r[0] == k and r[1] == s]
            if sel:
                f.write("- %s, %s settings: %d of %d gates passed\n" % (k, s, sum(1 for r in sel if r[5] == "PASS"), len(sel)))
print(open(os.path.join(out, "evidence.md")).read())
PY
