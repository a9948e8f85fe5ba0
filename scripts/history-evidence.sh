#!/usr/bin/env bash
# Reproduces the evidence of `history --check` (docs/history-check.md): a synthetic history built from real runs of
# one build, one run at a time, each with its own java.io.tmpdir (JMH's lock) and the machine's load kept beside it.
#   time:   bench-configs/evidence.yaml (ResNet-18 b8 64 px, plain and 4 segments). N_AA A/A runs (aa-1..aa-N_AA); the
#           regression history is aa-1..aa-(START-1) followed by runs under `run --diag recompute-twice=<k>` (rt-START..
#           rt-N_AA: segments k recomputed once more, a slower checkpointed step). rt-k is measured right after aa-k, so
#           that a drift of the machine's load hits both histories alike.
#   memory: bench-configs/evidence-memory.yaml (ResNet-18 b16 112 px, where activations set the peak), the same design
#           with `run --diag keep-alive=<k>` (ma-k, ka-k): a higher checkpointed peak.
# Then `history --check` runs on every prefix of each history (runs 1..j, j = 2..N_AA), as CI would after each run,
# and <out>/history-evidence.md gets one row per prefix: its exit code and the change points it reported.
#
# Usage: scripts/history-evidence.sh [out-dir (default /tmp/history-evidence)]
# Environment: N_AA (8), START (5: the first run with the knob), RECOMPUTE_SEGMENT (0,1), KEEP_ALIVE_SEGMENT (2),
# MEMORY=0 (time histories only), JAR (target/benchmarks.jar, copied once so that every run uses the same build),
# MEASURE=0 (only check the runs already measured). A re-run resumes: finished runs are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mkdir -p "${1:-/tmp/history-evidence}" && cd "${1:-/tmp/history-evidence}" && pwd)"
naa="${N_AA:-8}"
start="${START:-5}"
rt="${RECOMPUTE_SEGMENT:-0,1}"
ka="${KEEP_ALIVE_SEGMENT:-2}"
memory="${MEMORY:-1}"
mkdir -p "$out/tmp" "$out/checks"
[ -f "$out/benchmarks.jar" ] || cp "${JAR:-target/benchmarks.jar}" "$out/benchmarks.jar"
[ -f "$out/evidence.yaml" ] || cp bench-configs/evidence.yaml "$out/evidence.yaml"
[ -f "$out/evidence-memory.yaml" ] || cp bench-configs/evidence-memory.yaml "$out/evidence-memory.yaml"
java_run=(java -Djava.io.tmpdir="$out/tmp" -jar "$out/benchmarks.jar")

run() { # run <name> <config file> [run options...]
  local name="$1" config="$2"; shift 2
  if [ -f "$out/$name.done" ]; then return; fi
  uptime > "$out/$name.load"
  echo "$(date -u +%H:%M:%S) run $name $* ($(cat "$out/$name.load"))" >&2
  local start_s=$SECONDS
  "${java_run[@]}" run --config "$out/$config" --out "$out/$name" "$@" > "$out/$name.log" 2>&1 \
    || echo "run $name exited $? (see $out/$name.log)" >&2
  echo "$((SECONDS - start_s))" > "$out/$name.done"
}

if [ "${MEASURE:-1}" != 0 ]; then
  for k in $(seq 1 "$naa"); do
    run "aa-$k" evidence.yaml
    [ "$k" -ge "$start" ] && run "rt-$k" evidence.yaml --diag "recompute-twice=$rt"
  done
  if [ "$memory" != 0 ]; then
    for k in $(seq 1 "$naa"); do
      run "ma-$k" evidence-memory.yaml
      [ "$k" -ge "$start" ] && run "ka-$k" evidence-memory.yaml --diag "keep-alive=$ka"
    done
  fi
fi
