#!/usr/bin/env bash
# Compiles DJL's PyTorch JNI (libdjl_torch.so) against THIS machine's libtorch, for when
# `medfusion-bench libtorch-check` says the JNI shipped in DJL's jar (built for libtorch 2.7.1) does not load.
#
#   scripts/build-djl-jni.sh <djl-source-checkout> <libtorch-lib-dir>
#     <djl-source-checkout>  a clone of github.com/deepjavalibrary/djl at tag v0.36.0 (the Java side in our jar
#                            is DJL 0.36.0; the C++ side must match it)
#     <libtorch-lib-dir>     the directory with libtorch.so (a pip torch: <site-packages>/torch/lib)
#
# Needs cmake, a C++17 compiler (g++), and for a CUDA libtorch the CUDA toolkit (nvcc) its CMake config asks for.
# No JDK needed: the JNI header comes from the PyTorchLibrary class in our jar (org.medfusion.natives.JniHeader),
# jni.h from the bundle (runtime-include/) or a JDK. No network.
#
# Result: <cache>/pytorch/<libtorch version>-<flavor>-linux-x86_64/0.36.0-libdjl_torch.so, where DJL 0.36's LibUtils
# looks for it (findJniLibrary: <libtorch dir>/0.36.0-libdjl_torch.so, <libtorch dir>/libdjl_torch.so, then
# $ENGINE_CACHE_DIR/pytorch/<PYTORCH_VERSION>-<PYTORCH_FLAVOR>-linux-x86_64/0.36.0-libdjl_torch.so, then the jar).
# <cache> is the bundle's djl-cache/ when run from a bundle (and conf/jni.env makes bin/medfusion-bench use it),
# else ${ENGINE_CACHE_DIR:-${DJL_CACHE_DIR:-~/.djl.ai}}. The exports to use it are printed at the end.
set -euo pipefail
if [ $# -ne 2 ]; then sed -n '2,20p' "$0"; exit 2; fi
djl=$(cd "$1" && pwd)
libdir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
native="$djl/engines/pytorch/pytorch-native"
[ -f "$native/CMakeLists.txt" ] || { echo "build-djl-jni: $native/CMakeLists.txt missing: not a DJL checkout" >&2; exit 3; }
[ -f "$libdir/libtorch.so" ] || { echo "build-djl-jni: no libtorch.so in $libdir" >&2; exit 3; }
command -v cmake >/dev/null || { echo "build-djl-jni: cmake not found" >&2; exit 3; }

# Which java and jar: the bundle's, or a JDK's when run from the source tree.
if [ -x "$here/runtime/bin/java" ]; then
  java="$here/runtime/bin/java"; jar="$here/lib/benchmarks.jar"; cache="$here/djl-cache"; inc="$here/runtime-include"
else
  java=$(command -v java); jar="$here/target/benchmarks.jar"; cache="${ENGINE_CACHE_DIR:-${DJL_CACHE_DIR:-$HOME/.djl.ai}}"
  jh=$(dirname "$(dirname "$(readlink -f "$java")")"); inc="$jh/include"
fi
[ -f "$jar" ] || { echo "build-djl-jni: $jar missing" >&2; exit 3; }
[ -f "$inc/jni.h" ] || { echo "build-djl-jni: jni.h not found in $inc (install a JDK or use the bundle)" >&2; exit 3; }

djl_version=$(unzip -p "$jar" pytorch-engine.properties 2>/dev/null | sed -n 's/^djl_version=//p' || true)
djl_version=${djl_version:-0.36.0}
checkout_version=$(sed -n 's/^djl_version=//p' "$djl/gradle.properties" 2>/dev/null || true)
if [ -n "$checkout_version" ] && [ "$checkout_version" != "$djl_version" ]; then
  echo "build-djl-jni: WARNING: the checkout is DJL $checkout_version, our jar's Java side is $djl_version (git checkout v$djl_version)" >&2
fi

# libtorch version and flavor, as the preflight reads them.
root=$(dirname "$libdir")
tver=$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$root/version.py" 2>/dev/null || cat "$root/build-version" 2>/dev/null || true)
tver=${tver%%+*}
[ -n "$tver" ] || { echo "build-djl-jni: cannot tell the libtorch version (no $root/version.py or build-version)" >&2; exit 3; }
cuda=$(sed -n "s/^cuda *\(: *[^=]*\)\?= *['\"]\([0-9.]*\)['\"].*/\2/p" "$root/version.py" 2>/dev/null || true)
if [ -f "$libdir/libtorch_cuda.so" ] && [ -n "$cuda" ]; then flavor="cu$(echo "$cuda" | cut -d. -f1,2 | tr -d .)"; else flavor=cpu; fi
echo "[build-djl-jni] DJL $djl_version JNI against libtorch $tver ($flavor) in $libdir"

# The JNI header (javac -h without javac), where DJL's CMakeLists expects it: build/include.
mkdir -p "$native/build/include"
hdr="$native/build/include/ai_djl_pytorch_jni_PyTorchLibrary.h"
"$java" -cp "$jar" org.medfusion.natives.JniHeader ai.djl.pytorch.jni.PyTorchLibrary > "$hdr.new"
# replaced only when it changed, so that a re-run after an interruption rebuilds only what is missing
if cmp -s "$hdr.new" "$hdr"; then rm -f "$hdr.new"; else mv "$hdr.new" "$hdr"; fi

# CMake: FindJNI is satisfied by explicit paths (no JDK on the node; libjvm/jawt from the runtime are only link
# placeholders FindJNI wants, the JNI library itself does not link them).
jvmlib=$(dirname "$(readlink -f "$java")")/../lib/server/libjvm.so
jawt=$(dirname "$(readlink -f "$java")")/../lib/libjawt.so
cmake -S "$native" -B "$native/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$root" \
  -DJAVA_INCLUDE_PATH="$inc" -DJAVA_INCLUDE_PATH2="$inc/linux" -DJAVA_AWT_INCLUDE_PATH="$inc" \
  -DJAVA_JVM_LIBRARY="$jvmlib" -DJAVA_AWT_LIBRARY="$jawt" 2>&1 | tee "$native/build/cmake-configure.log"
cmake --build "$native/build" --config Release -j "$(nproc)" 2>&1 | tee "$native/build/cmake-build.log"
so="$native/build/libdjl_torch.so"
[ -f "$so" ] || { echo "build-djl-jni: the build produced no libdjl_torch.so (see $native/build/cmake-build.log)" >&2; exit 4; }

dest="$cache/pytorch/$tver-$flavor-linux-x86_64"
mkdir -p "$dest"
cp "$so" "$dest/$djl_version-libdjl_torch.so"
echo "[build-djl-jni] installed $dest/$djl_version-libdjl_torch.so"
if [ -x "$here/runtime/bin/java" ]; then
  mkdir -p "$here/conf"
  cat > "$here/conf/jni.env" <<ENV
# written by scripts/build-djl-jni.sh: bin/medfusion-bench reads it (delete it to go back to DJL's own JNI)
export PYTORCH_LIBRARY_PATH="$libdir"
export PYTORCH_VERSION="$tver"
export PYTORCH_FLAVOR="$flavor"
export ENGINE_CACHE_DIR="$cache"
ENV
  echo "[build-djl-jni] wrote $here/conf/jni.env; now: $here/bin/medfusion-bench libtorch-check"
fi
echo "To use it from anywhere else:"
echo "  export PYTORCH_LIBRARY_PATH=$libdir PYTORCH_VERSION=$tver PYTORCH_FLAVOR=$flavor ENGINE_CACHE_DIR=$cache"
