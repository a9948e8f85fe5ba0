#!/usr/bin/env bash
# Reproduces the regression gate's evidence (README, "Regression gate" > "Evidence"):
#   A/A:  N runs of one build on one machine (bench-configs/evidence.yaml); every pair of them must pass the gate.
#   A/B:  N runs with `run --diag recompute-twice=<k>` (extra recompute of segment k: a slower checkpointed step) and
#         N with `run --diag keep-alive=<k>` (segment k's activations kept: a higher peak), each gated against the
#         A/A run measured just before it; every one must fail the gate.
# Runs are interleaved (aa-1, rt-1, ka-1, aa-2, ...) so that a drift of the machine's load hits both sides alike, one
# at a time, with their own java.io.tmpdir (JMH's lock). The load (uptime) before each run is kept beside it.
# Every gate is run with the defaults and with the CI settings (--ratio-only --ratio-effect 25); the verdicts, p-values
# and changes go to <out>/evidence.md. Re-running resumes: finished runs are kept.
#
# Usage: scripts/gate-evidence.sh [out-dir (default /tmp/gate-evidence)]
# Environment: N (5), RECOMPUTE_SEGMENT (0), KEEP_ALIVE_SEGMENT (1), JAR (target/benchmarks.jar; copied once so that
# every run uses the same build), CONFIG (bench-configs/evidence.yaml), MEASURE (rounds to measure, default N; 0 only
# gates the runs already measured).
set -euo pipefail
cd "$(dirname "$0")/.."
# One intra-op thread: on a loaded machine a 2-thread OpenMP step waits at every barrier for a descheduled thread
# (a ResNet-18 b4 32 px step took 2.3-12 s with 2 threads at load 20, see README); override with OMP_NUM_THREADS.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
out="$(mkdir -p "${1:-/tmp/gate-evidence}" && cd "${1:-/tmp/gate-evidence}" && pwd)"
n="${N:-5}"
rt="${RECOMPUTE_SEGMENT:-0}"
ka="${KEEP_ALIVE_SEGMENT:-1}"
config="${CONFIG:-bench-configs/evidence.yaml}"
mkdir -p "$out/tmp" "$out/gates"
[ -f "$out/benchmarks.jar" ] || cp "${JAR:-target/benchmarks.jar}" "$out/benchmarks.jar"
[ -f "$out/evidence.yaml" ] || cp "$config" "$out/evidence.yaml"
java_run=(java -Djava.io.tmpdir="$out/tmp" -jar "$out/benchmarks.jar")

run() { # run <name> [run options...]
  local name="$1"; shift
  if [ -f "$out/$name.done" ]; then return; fi
  uptime > "$out/$name.load"
  echo "$(date -u +%H:%M:%S) run $name $* ($(cat "$out/$name.load"))" >&2
  local start=$SECONDS
  "${java_run[@]}" run --config "$out/evidence.yaml" --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  echo "$((SECONDS - start))" > "$out/$name.done"
}

for k in $(seq 1 "${MEASURE:-$n}"); do
  run "aa-$k"
  run "rt-$k" --diag "recompute-twice=$rt"
  run "ka-$k" --diag "keep-alive=$ka"
done

gate() { # gate <label> <baseline> <candidate> [gate options...]
  local label="$1" base="$2" cand="$3"; shift 3
  local rc=0
  [ -f "$out/$base.done" ] && [ -f "$out/$cand.done" ] || return 0 # a run not measured (yet): no gate
  [ -f "$out/gates/$label.rc" ] && return 0 # gated before
  "${java_run[@]}" gate "$out/$base" "$out/$cand" --format json "$@" > "$out/gates/$label.json" 2> "$out/gates/$label.err" || rc=$?
  echo "$rc" > "$out/gates/$label.rc"
}
ci=(--ratio-only --ratio-effect 25)
pairs=()
for k in $(seq 2 "$n"); do pairs+=("aa-1:aa-$k"); done
for k in $(seq 2 "$((n - 1))"); do pairs+=("aa-$k:aa-$((k + 1))"); done
for k in $(seq 1 "$n"); do pairs+=("aa-$k:rt-$k" "aa-$k:ka-$k"); done
for p in "${pairs[@]}"; do
  b="${p%%:*}"; c="${p##*:}"
  gate "default__${b}__${c}" "$b" "$c"
  gate "ci__${b}__${c}" "$b" "$c" "${ci[@]}"
done

python3 - "$out" <<'PY'
import json, glob, os, re, sys
out = sys.argv[1]
def load(run):
    with open(os.path.join(out, run + ".load")) as f:
        m = re.search(r"load average: ([\d.]+)", f.read())
    return m.group(1) if m else "?"
rows = []
for f in sorted(glob.glob(os.path.join(out, "gates", "*.json"))):
    settings, base, cand = os.path.basename(f)[:-5].split("__")
    rc = open(f[:-5] + ".rc").read().strip()
    try:
        v = json.load(open(f))
    except ValueError:
        rows.append((settings, base, cand, rc, "refused: " + open(f[:-5] + ".err").read().strip()[:120], "", "", ""))
        continue
    def find(check):
        for r in v["results"]:
            if r["check"] == check and "_s4_" in r["cell"]:
                return r
        return None
    def cell(r, why=False):
        if r is None:
            return "-"
        p = re.search(r"p = ([0-9.e+-]+)", r["why"] or "")
        return "%s %s%s" % (r["verdict"], r["change"], (" p=" + p.group(1)) if p else "")
    failed = [r["cell"].split("_")[3] + " " + r["check"] for r in v["results"] if r["verdict"] == "fail"]
    rows.append((settings, base, cand, rc, "PASS" if v["passed"] else "FAIL: " + ", ".join(failed),
                 cell(find("time-ratio")), cell(find("time-absolute")), cell(find("memory-peak"))))
kind = lambda c: "A/A" if c.startswith("aa") else ("recompute-twice" if c.startswith("rt") else "keep-alive")
rows.sort(key=lambda r: (kind(r[2]), r[0], r[1], r[2]))
with open(os.path.join(out, "evidence.md"), "w") as f:
    f.write("| kind | settings | baseline (load) | candidate (load) | exit | verdict | s4 time-ratio | s4 time-absolute | s4 memory-peak |\n")
    f.write("|---|---|---|---|---|---|---|---|---|\n")
    for s, b, c, rc, verdict, tr, ta, mp in rows:
        f.write("| %s | %s | %s (%s) | %s (%s) | %s | %s | %s | %s | %s |\n" % (kind(c), s, b, load(b), c, load(c), rc, verdict, tr, ta, mp))
    for k in ("A/A", "recompute-twice", "keep-alive"):
        for s in ("default", "ci"):
            sel = [r for r in rows if kind(r[2]) == k and r[0] == s]
            f.write("\n%s, %s settings: %d of %d gates passed" % (k, s, sum(1 for r in sel if r[4] == "PASS"), len(sel)))
    f.write("\n")
print(open(os.path.join(out, "evidence.md")).read())
PY
