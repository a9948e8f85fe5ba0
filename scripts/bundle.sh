#!/usr/bin/env bash
# Builds target/bundle/medfusion-bench/: a folder that runs on a Linux x86-64 machine with no Java and
# no Maven (an air-gapped GPU node): a jlink-trimmed Java runtime, the GPU jar (no CPU libtorch inside),
# bench-configs/, scripts (gpu-run.sh, torch_reference.py, build-djl-jni.sh) and bin/medfusion-bench.
#
#   scripts/bundle.sh                       # the GPU bundle (<= 60 MiB, checked)
#   scripts/bundle.sh --with-cpu-natives    # + lib/pytorch-native-cpu (CPU libtorch, ~110 MB): test variant only
#   scripts/bundle.sh --skip-build          # reuse target/benchmarks.jar (must be a -Dgpu build)
#   scripts/bundle.sh --out DIR             # another output folder (default target/bundle/medfusion-bench)
#   scripts/bundle.sh --offline             # mvn -o (dependencies already in ~/.m2)
# Needs a JDK 17 (jlink, jdeps, jar), Maven, and for --with-cpu-natives the pytorch-native-cpu jar in ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

with_cpu=0
skip_build=0
offline=
out="$ROOT/target/bundle/medfusion-bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --with-cpu-natives) with_cpu=1 ;;
    --skip-build) skip_build=1 ;;
    --offline) offline=-o ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bundle.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
LIMIT=$((60 * 1024 * 1024))
MVN="${MVN:-mvn}"
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}"
for t in jlink jdeps jar; do
  command -v "${JAVA_BIN}$t" >/dev/null || { echo "bundle.sh: ${JAVA_BIN}$t not found (needs a JDK 17)" >&2; exit 3; }
done

# 1. The GPU jar: the -Dgpu profile leaves pytorch-native-cpu (libtorch) out.
if [ $skip_build = 0 ]; then
  echo "[bundle] mvn -Dgpu package"
  "$MVN" -B -q $offline -Dgpu -DskipTests package
fi
jar_in="$ROOT/target/benchmarks.jar"
[ -f "$jar_in" ] || { echo "bundle.sh: $jar_in missing" >&2; exit 3; }
if "${JAVA_BIN}jar" tf "$jar_in" | grep -q '^native/lib/libtorch'; then
  echo "bundle.sh: $jar_in holds the CPU libtorch: build it with -Dgpu (or drop --skip-build)" >&2; exit 3
fi

# 2. Trim the jar to linux-x86_64: other platforms' DJL JNI and JNA dispatch libraries are dead weight here.
work=$(mktemp -d "${TMPDIR:-/tmp}/medfusion-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/jar"
(cd "$work/jar" && "${JAVA_BIN}jar" xf "$jar_in")
rm -rf "$work"/jar/jnilib/linux-aarch64 "$work"/jar/jnilib/osx-* "$work"/jar/jnilib/win-*
# PDF export of xchart (pdfbox, fontbox, pdfbox-graphics2d: 3.4 MB): only xchart's PdfboxGraphicsEncoder uses
# them (jdeps -verbose:class), and the report writes PNG (BitmapEncoder) and SVG (VectorGraphicsEncoder).
rm -rf "$work"/jar/org/apache/pdfbox "$work"/jar/org/apache/fontbox "$work"/jar/de/rototor \
  "$work"/jar/org/knowm/xchart/PdfboxGraphicsEncoder*.class
for d in "$work"/jar/com/sun/jna/*/; do   # platform folders hold only a native library, no classes
  [ "$(basename "$d")" = linux-x86-64 ] || [ -n "$(ls "$d"/*.class 2>/dev/null)" ] || rm -rf "$d"
done
mv "$work/jar/META-INF/MANIFEST.MF" "$work/MANIFEST.MF"
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"
"${JAVA_BIN}jar" --create --file "$out/lib/benchmarks.jar" --manifest "$work/MANIFEST.MF" -C "$work/jar" .

# 3. The runtime: the modules jdeps finds in the jar, plus the ones used only by reflection
#    (JMH's and DJL's management beans: jdk.management; JNDI lookups of slf4j/jackson: java.naming).
mods=$("${JAVA_BIN}jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$out/lib/benchmarks.jar" 2>/dev/null | tail -1)
mods="$mods,java.logging,java.naming,java.xml,jdk.management,jdk.unsupported"
mods=$(echo "$mods" | tr ',' '\n' | sort -u | paste -sd, -)
echo "[bundle] jlink modules: $mods"
"${JAVA_BIN}jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/runtime"
# Native symbol tables of libjvm are not needed to run (about 4 MB).
if command -v strip >/dev/null; then
  strip --strip-unneeded "$out/runtime/lib/server/libjvm.so" 2>/dev/null || true
fi

# jni.h / jni_md.h (80 KB) so that scripts/build-djl-jni.sh can compile DJL's JNI on a node without a JDK.
jdk_home=$(dirname "$(dirname "$(readlink -f "$(command -v "${JAVA_BIN}jlink")")")")
mkdir -p "$out/runtime-include/linux"
cp "$jdk_home/include/jni.h" "$out/runtime-include/"
cp "$jdk_home/include/linux/jni_md.h" "$out/runtime-include/linux/"

# 4. Configs, scripts, launcher.
cp -r bench-configs "$out/bench-configs"
mkdir -p "$out/scripts"
cp scripts/gpu-run.sh scripts/torch_reference.py scripts/build-djl-jni.sh "$out/scripts/"
mkdir -p "$out/reference" && cp src/main/resources/seed-published.csv "$out/reference/"
cp scripts/launcher.sh "$out/bin/medfusion-bench"
chmod +x "$out/bin/medfusion-bench" "$out/scripts/"*.sh
git rev-parse --short HEAD > "$out/VERSION" 2>/dev/null || echo unknown > "$out/VERSION"
echo "modules=$mods" >> "$out/VERSION"

gpu_bytes=$(du -sb "$out" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "[bundle] GPU bundle: $gpu_bytes bytes = $(mib "$gpu_bytes") MiB (limit 60 MiB):" \
  "runtime $(mib "$(du -sb "$out/runtime" | cut -f1)") MiB, jar $(mib "$(stat -c %s "$out/lib/benchmarks.jar")") MiB"
if [ "$gpu_bytes" -gt "$LIMIT" ]; then
  echo "bundle.sh: the GPU bundle is over 60 MiB" >&2; exit 1
fi

# 5. Test variant: the CPU libtorch on the classpath (the launcher adds lib/*.jar), so the no-GPU tests
#    can run the bundle end to end. Over the limit by design; never ship it to a GPU node.
if [ $with_cpu = 1 ]; then
  v=$(sed -n 's:.*<libtorch.version>\(.*\)</libtorch.version>.*:\1:p' pom.xml | head -1)
  native="$HOME/.m2/repository/ai/djl/pytorch/pytorch-native-cpu/$v/pytorch-native-cpu-$v-linux-x86_64.jar"
  [ -f "$native" ] || { echo "bundle.sh: $native missing (mvn -B dependency:resolve once)" >&2; exit 3; }
  ln -s "$native" "$out/lib/pytorch-native-cpu-$v-linux-x86_64.jar" 2>/dev/null || cp "$native" "$out/lib/"
  all=$(du -sbL "$out" | cut -f1)
  echo "[bundle] with CPU natives (test variant, not size-limited): $all bytes = $(mib "$all") MiB"
fi
echo "$out"
