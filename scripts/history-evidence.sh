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
# MEMORY=0 (time histories only), TIME=0 (memory histories only: peaks do not depend on the machine's load), THREADS (libtorch threads per fork, added to the copied configs as `threads:`;
# default libtorch's, one per core; 1 on a machine other processes load), PARALLEL=1 (measure rt-k beside aa-k, each
# run with its own java.io.tmpdir: half the wall time, both runs slower; the paired ratio cancels the speed),
# JAR (target/benchmarks.jar, copied once so that every run uses the same build), CHECK_JAR (target/benchmarks.jar:
# the build that runs history --check), MEASURE=0 (only check the runs already measured). A re-run resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mkdir -p "${1:-/tmp/history-evidence}" && cd "${1:-/tmp/history-evidence}" && pwd)"
naa="${N_AA:-8}"
start="${START:-5}"
rt="${RECOMPUTE_SEGMENT:-0,1}"
ka="${KEEP_ALIVE_SEGMENT:-2}"
memory="${MEMORY:-1}"
time_histories="${TIME:-1}"
mkdir -p "$out/tmp" "$out/checks"
[ -f "$out/benchmarks.jar" ] || cp "${JAR:-target/benchmarks.jar}" "$out/benchmarks.jar"
for c in evidence evidence-memory; do
  if [ ! -f "$out/$c.yaml" ]; then
    cp "bench-configs/$c.yaml" "$out/$c.yaml"
    [ -n "${THREADS:-}" ] && echo "threads: $THREADS" >> "$out/$c.yaml"
  fi
done

run() { # run <name> <config file> [run options...]
  local name="$1" config="$2"; shift 2
  if [ -f "$out/$name.done" ]; then return; fi
  uptime > "$out/$name.load"
  echo "$(date -u +%H:%M:%S) run $name $* ($(cat "$out/$name.load"))" >&2
  local start_s=$SECONDS
  mkdir -p "$out/tmp/$name"
  java -Djava.io.tmpdir="$out/tmp/$name" -jar "$out/benchmarks.jar" run --config "$out/$config" --out "$out/$name" "$@" \
    > "$out/$name.log" 2>&1 || echo "run $name exited $? (see $out/$name.log)" >&2
  echo "$((SECONDS - start_s))" > "$out/$name.done"
}

pair() { # pair <a/a name> <knob name> <config> <knob option>: the knob run after (or, PARALLEL=1, beside) the A/A run
  if [ "${PARALLEL:-0}" = 1 ]; then
    run "$1" "$3" &
    run "$2" "$3" --diag "$4"
    wait
  else
    run "$1" "$3"
    run "$2" "$3" --diag "$4"
  fi
}

if [ "${MEASURE:-1}" != 0 ]; then
  if [ "$time_histories" != 0 ]; then
    for k in $(seq 1 "$naa"); do
      if [ "$k" -ge "$start" ]; then pair "aa-$k" "rt-$k" evidence.yaml "recompute-twice=$rt"; else run "aa-$k" evidence.yaml; fi
    done
  fi
  if [ "$memory" != 0 ]; then
    for k in $(seq 1 "$naa"); do
      if [ "$k" -ge "$start" ]; then pair "ma-$k" "ka-$k" evidence-memory.yaml "keep-alive=$ka"; else run "ma-$k" evidence-memory.yaml; fi
    done
  fi
fi

# history --check on every prefix of each history, as CI would run it after each run.
check_jar="${CHECK_JAR:-target/benchmarks.jar}"
check() { # check <label> <runs...>: one prefix
  local label="$1"; shift
  local rc=0
  java -Djava.io.tmpdir="$out/tmp" -jar "$check_jar" history --check --out "$out/checks/$label-site" "$@" \
    > "$out/checks/$label.out" 2> "$out/checks/$label.err" || rc=$?
  echo "$rc" > "$out/checks/$label.rc"
}
histories=()
[ "$time_histories" != 0 ] && histories+=(aa rt)
[ "$memory" != 0 ] && histories+=(ma ka)
for h in "${histories[@]}"; do
  for j in $(seq 2 "$naa"); do
    runs=()
    for k in $(seq 1 "$j"); do
      case "$h" in
        aa|ma) runs+=("$out/$h-$k") ;;
        rt) if [ "$k" -lt "$start" ]; then runs+=("$out/aa-$k"); else runs+=("$out/rt-$k"); fi ;;
        ka) if [ "$k" -lt "$start" ]; then runs+=("$out/ma-$k"); else runs+=("$out/ka-$k"); fi ;;
      esac
    done
    ok=1
    for r in "${runs[@]}"; do [ -f "$r.done" ] || ok=0; done
    [ "$ok" = 1 ] && check "$h-$j" "${runs[@]}"
  done
done

python3 - "$out" "$naa" "$start" "${histories[@]}" <<'PY'
import glob, os, re, sys
out, naa, start, hs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
names = {"aa": "A/A (evidence.yaml)", "rt": f"recompute-twice from run {start}", "ma": "A/A (evidence-memory.yaml)",
         "ka": f"keep-alive from run {start}"}
rows = ["| history | runs | exit | change points (cell: metric, from run, change, p) | unstable |", "|---|---|---|---|---|"]
for h in hs:
    for j in range(2, naa + 1):
        f = f"{out}/checks/{h}-{j}.out"
        if not os.path.exists(f):
            continue
        text = open(f).read()
        rc = open(f"{out}/checks/{h}-{j}.rc").read().strip()
        cps = []
        for m in re.finditer(r"^  (\S+): change point, (peak memory|paired ratio|step time) (.*?) -> (.*?) \(([+-][0-9.]+ %), p = (\S+)\) from run (\S+) @ \S+(.*)$", text, re.M):
            cell, metric, _, _, change, p, run, tail = m.groups()
            cell = cell.replace("_fp32_cpu", "")
            note = " **alarm**" if "REGRESSION" in tail else (" (informative)" if "informative" in tail else (" (not alarmed)" if "not alarmed" in tail else ""))
            cps.append(f"{cell}: {metric}, {run}, {change}, p={p}{note}")
        unstable = [re.sub(r"_fp32_cpu", "", m.group(1)) + " " + m.group(2) for m in
                    re.finditer(r"^  (\S+): (peak memory|paired ratio|step time) unstable", text, re.M)]
        rows.append(f"| {names[h]} | 1..{j} | {rc} | {'<br>'.join(cps) or 'none'} | {', '.join(unstable) or '–'} |")
# the figures behind it: each run's paired ratio, 4-segment peak and step medians
import json
fig = ["| run | knob | s4 paired ratio (median) | s4 peak (MiB) | plain step (ms) | s4 step (ms) | load at start |", "|---|---|---|---|---|---|---|"]
def med(v):
    v = sorted(v); n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
for d in sorted(glob.glob(f"{out}/*/manifest.json"), key=lambda p: json.load(open(p)).get("started_at") or ""):
    run = os.path.dirname(d); name = os.path.basename(run)
    if not re.match(r"^(aa|rt|ma|ka)-\d+$", name):
        continue
    man = json.load(open(d))
    cells = {}
    for c in glob.glob(f"{run}/cells/*.json"):
        j = json.load(open(c)); cells[j["segments"]] = j
    s4, p0 = cells.get(4, {}), cells.get(0, {})
    pr = [a / b for a, b in zip(s4.get("step_ms_samples") or [], s4.get("paired_plain_ms_samples") or [])]
    load = open(f"{run}.load").read().split("load average:")[-1].strip() if os.path.exists(f"{run}.load") else ""
    fig.append(f"| {name} | {', '.join(man.get('diagnostics') or []) or '–'} | {med(pr):.3f} | "
               f"{(s4.get('peak_bytes') or 0) / 1048576:.1f} | {p0.get('step_ms_median') or 0:.1f} | {s4.get('step_ms_median') or 0:.1f} | {load} |"
               if pr else f"| {name} | {', '.join(man.get('diagnostics') or []) or '–'} | – | – | – | – | {load} |")
open(f"{out}/history-evidence.md", "w").write("\n".join(rows) + "\n\n" + "\n".join(fig) + "\n")
print(f"{out}/history-evidence.md")
PY
