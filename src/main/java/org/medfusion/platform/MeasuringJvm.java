package org.medfusion.platform;

/**
 * JVM options of every JVM that times libtorch (the benchmarks' forks, the profile's workers) that keep the JVM's own
 * threads off the cores libtorch's OpenMP threads use.
 *
 * <p>Why: a training step runs one OpenMP thread per core, and every parallel region waits at a barrier for its
 * slowest thread. When the JVM wakes a thread of its own mid-step (a C2 compilation, a concurrent G1 phase), one
 * OpenMP thread is descheduled and the whole step waits. Measured on the 2-core CI VM (ResNet-18, batch 8, 64 px,
 * 5 warm-up and 15 measured steps, one fork, idle machine): with the JVM's defaults single steps took 2.5-4x the
 * median (400-600 ms against 130-170 ms) and the coefficient of variation was 40-66 %; with C2 off (the step's Java
 * code is thin JNI glue, so C1 code is as good) it was 5-8 % with no outlier above 1.3x. The serial collector has
 * no concurrent threads at all (the heap is fixed and pre-touched; a step allocates little on it). The profile's
 * workers ran without them until profile format 9, and on an AMD EPYC (family 25) 2-vCPU VM their per-block forward
 * times read 15-20 % above the same blocks inside a forked step or recompute (ViT-B/16 b8 112 px encoder layer: 44 ms
 * against 37.5 ms), so the planner over-predicted every recompute.
 */
public final class MeasuringJvm {

    /** C1 only: compilation finishes in the warm-up and never competes with a measured step. */
    public static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

    /** No concurrent GC threads. */
    public static final String SERIAL_GC = "-XX:+UseSerialGC";

    /** Both, for a child JVM started by hand ({@link ChildJvm}). */
    public static final java.util.List<String> OPTIONS = java.util.List.of(C1_ONLY, SERIAL_GC);

    private MeasuringJvm() {
    }
}
