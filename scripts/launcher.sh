#!/usr/bin/env bash
# bin/medfusion-bench of the bundle (scripts/bundle.sh copies this file there). Runs benchmarks.jar with
# the bundle's own Java runtime only: JAVA_HOME and any java on the PATH are ignored.
#
# libtorch: PYTORCH_LIBRARY_PATH if set; else lib/pytorch-native-cpu-*.jar if the bundle has one (test
# variant); else the torch/lib of the python3 on the PATH (MEDFUSION_PYTHON picks another python).
# PYTORCH_FLAVOR, when unset, becomes cu128 for a CUDA libtorch (the CUDA JNI inside DJL's pytorch-jni jar)
# and cpu otherwise. conf/jni.env (written by scripts/build-djl-jni.sh) is read first when present.
# Extra JVM options: MEDFUSION_JAVA_OPTS. MEDFUSION_MAIN runs another main class of the jar
# (e.g. org.medfusion.gpu.ProbeCrossCheck) with the same runtime and libtorch settings.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
java="$here/runtime/bin/java"
[ -x "$java" ] || { echo "medfusion-bench: $java missing: the bundle is incomplete" >&2; exit 3; }
unset JAVA_HOME JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS

if [ -f "$here/conf/jni.env" ]; then
  # shellcheck disable=SC1091
  . "$here/conf/jni.env"
fi
cp="$here/lib/benchmarks.jar"
has_cpu_natives=0
for j in "$here"/lib/*.jar; do
  [ "$j" = "$here/lib/benchmarks.jar" ] && continue
  cp="$cp:$j"
  case "$(basename "$j")" in pytorch-native-cpu-*) has_cpu_natives=1 ;; esac
done

if [ -z "${PYTORCH_LIBRARY_PATH:-}" ] && [ $has_cpu_natives = 0 ]; then
  py="${MEDFUSION_PYTHON:-python3}"
  if command -v "$py" >/dev/null 2>&1; then
    tdir=$("$py" -c 'import torch,os;print(os.path.dirname(torch.__file__))' 2>/dev/null | tail -1 || true)
    if [ -n "$tdir" ] && [ -f "$tdir/lib/libtorch.so" ]; then
      export PYTORCH_LIBRARY_PATH="$tdir/lib"
      echo "medfusion-bench: libtorch from $py's torch: $PYTORCH_LIBRARY_PATH" >&2
    fi
  fi
fi
if [ -n "${PYTORCH_LIBRARY_PATH:-}" ] && [ -z "${PYTORCH_FLAVOR:-}" ]; then
  flavor=cpu
  IFS=: read -ra dirs <<< "$PYTORCH_LIBRARY_PATH"
  for d in "${dirs[@]}"; do
    [ -f "$d/libtorch_cuda.so" ] && flavor=cu128
  done
  export PYTORCH_FLAVOR=$flavor
fi
export DJL_OFFLINE=true

# shellcheck disable=SC2086
exec "$java" ${MEDFUSION_JAVA_OPTS:-} -Dai.djl.offline=true -Djava.awt.headless=true -cp "$cp" "${MEDFUSION_MAIN:-org.medfusion.cli.Main}" "$@"
