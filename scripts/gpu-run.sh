#!/usr/bin/env bash
# One call on a GPU node, from the bundle (target/bundle/medfusion-bench/scripts/gpu-run.sh):
#   1. environment: GPU, driver, CUDA, libtorch, the python torch;
#   2. libtorch-check (does DJL's JNI load against this libtorch? if not: the reason; with DJL_SRC=<djl checkout>
#      it then tries scripts/build-djl-jni.sh and checks again);
#   3. verify on the GPU: resnet18 (small) and resnet50 (large), checkpointed vs plain within VERIFY_TOLERANCE
#      (default 1e-3 relative: cuDNN backward kernels are not deterministic and convolutions run in TF32);
#   4. the memory timeline on the GPU (measure --timeline: its CUDA pool source, recording on vs off);
#   5. the seed-table cells (5 models x segments 0/4/8, batch 32, 224 px) with both CUDA probes, lighter
#      repetitions than bench-configs/seed-table.yaml unless FULL=1 (to fit about 8 minutes on an H100);
#   6. the probes cross-checked (org.medfusion.gpu.ProbeCrossCheck: reserved >= allocated per step, allocated
#      peak >= largest block input+output, steady allocated >= 4 x parameter bytes + input);
#   7. PyTorch's own figures for the same cells (scripts/torch_reference.py) when python3 has torch+torchvision,
#      and a side-by-side table (ours, torch, seed).
# Everything goes to $OUT (default ./gpu-run-<time>): gpu-run.log, env.txt, libtorch-check.txt, verify-*.json,
# timeline/ and timeline.txt, seed-table/ (raw.csv, report.md, ...), torch-reference.csv, compare.md.
# Exit: 0 all steps passed, 1 a check failed, 3 DJL cannot load this libtorch (the reason is in libtorch-check.txt).
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bench="${MEDFUSION_BENCH:-$here/bin/medfusion-bench}"
OUT="${OUT:-$PWD/gpu-run-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-run.log") 2>&1
PY="${MEDFUSION_PYTHON:-python3}"
tol="${VERIFY_TOLERANCE:-1e-3}"
run_budget="${RUN_BUDGET_S:-420}"
fail=0
t0=$(date +%s)
stamp() { echo; echo "=== [$(( $(date +%s) - t0 )) s] $*"; }

stamp "environment"
{
  echo "date: $(date -u +%FT%TZ)  host: $(hostname)  kernel: $(uname -r)  cpus: $(nproc)"
  echo "bundle: $here ($(head -1 "$here/VERSION" 2>/dev/null))"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
    nvidia-smi | head -15
  else
    echo "nvidia-smi: not found"
  fi
  command -v nvcc >/dev/null && nvcc --version | tail -2
  echo "PYTORCH_LIBRARY_PATH=${PYTORCH_LIBRARY_PATH:-<unset>} PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-<unset>} PYTORCH_VERSION=${PYTORCH_VERSION:-<unset>}"
  "$PY" -c 'import torch,os; print("python torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "gpu", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "lib", os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>&1 | tail -1
} | tee "$OUT/env.txt"

stamp "libtorch-check"
"$bench" libtorch-check --verbose | tee "$OUT/libtorch-check.txt"
lt=${PIPESTATUS[0]}
if [ "$lt" -ne 0 ] && [ -n "${DJL_SRC:-}" ]; then
  lib=$(sed -n 's/^libtorch dir *\([^ ]*\).*/\1/p' "$OUT/libtorch-check.txt" | head -1)
  stamp "build-djl-jni.sh $DJL_SRC $lib"
  "$here/scripts/build-djl-jni.sh" "$DJL_SRC" "$lib" > "$OUT/build-djl-jni.log" 2>&1
  echo "build-djl-jni exit $? (log: build-djl-jni.log; last lines:)"; tail -20 "$OUT/build-djl-jni.log"
  "$bench" libtorch-check --verbose | tee "$OUT/libtorch-check-after-build.txt"
  lt=${PIPESTATUS[0]}
fi

if [ "$lt" -eq 0 ]; then
  for spec in "resnet18 16 224 4" "resnet50 16 224 4"; do
    set -- $spec
    stamp "verify --device gpu --model $1 --batch $2 --res $3 --segments $4 --tolerance $tol"
    "$bench" verify --device gpu --model "$1" --batch "$2" --res "$3" --segments "$4" --tolerance "$tol" --format json \
      | tee "$OUT/verify-$1.json"
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || { echo "verify $1: exit $rc"; fail=1; }
  done

  # the memory timeline's CUDA source (the default pool under cudaMallocAsync, which the timeline's child gets from the
  # memory forks' environment): its step peak with and without recording, and the sentence of its peak event
  stamp "memory timeline on the GPU: resnet50 b16 224 px, 4 segments, torch split"
  "$bench" measure --device gpu --model resnet50 --batch 16 --res 224 --segments 4 --split torch --warmup 3 --iterations 5 \
    --memory-forks 1 --timeline --format json --out "$OUT/timeline" 2>&1 | tee "$OUT/timeline.txt"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || { echo "timeline: measure exit $rc"; fail=1; }
  grep -q "^timeline .*not recorded\|memory not measured" "$OUT/timeline.txt" && { echo "timeline: no CUDA bytes recorded"; fail=1; }

  stamp "seed-table cells (both CUDA probes)"
  cfg="$OUT/seed-table-gpu-run.yaml"
  if [ "${FULL:-0}" = 1 ]; then
    cp "$here/bench-configs/seed-table.yaml" "$cfg"
  else
    # the same cells, fewer repetitions: timing 3+10 steps, memory 2+3 steps in one fork
    sed -e 's/^timing:.*/timing: {warmup: 3, iterations: 10, forks: 1}/' \
        -e 's/^memory:.*/memory: {warmup: 2, iterations: 3, forks: 1}/' "$here/bench-configs/seed-table.yaml" > "$cfg"
  fi
  cat "$cfg"
  timeout "$run_budget" "$bench" run --config "$cfg" --out "$OUT/seed-table"
  rc=$?
  [ "$rc" -eq 124 ] && echo "run: stopped after $run_budget s (RUN_BUDGET_S); finished cells are kept, a re-run with the same OUT resumes"
  [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || { echo "run: exit $rc"; fail=1; }

  stamp "probe cross-check"
  MEDFUSION_MAIN=org.medfusion.gpu.ProbeCrossCheck "$bench" "$OUT/seed-table" | tee "$OUT/probe-crosscheck.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
else
  echo "DJL cannot load this libtorch: skipping verify, run and cross-check. Reason:"
  grep '^reason' "$OUT/libtorch-check.txt" || true
fi

if "$PY" -c 'import torch, torchvision' >/dev/null 2>&1; then
  stamp "PyTorch reference (torch.utils.checkpoint.checkpoint_sequential, torch.cuda.max_memory_allocated)"
  "$PY" "$here/scripts/torch_reference.py" measure --out "$OUT/torch-reference.csv"
  if [ -f "$OUT/seed-table/raw.csv" ]; then
    "$PY" "$here/scripts/torch_reference.py" compare --run "$OUT/seed-table" --reference "$OUT/torch-reference.csv" \
      --seed "$here/reference/seed-published.csv" --out "$OUT/compare.md"
  fi
else
  stamp "PyTorch reference skipped: $PY has no torch+torchvision"
fi

stamp "done: $OUT"
ls -la "$OUT"
[ -f "$OUT/seed-table/report.md" ] && echo "report: $OUT/seed-table/report.md"
if [ "$lt" -ne 0 ]; then exit 3; fi
exit $fail
