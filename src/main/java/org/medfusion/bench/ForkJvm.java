package org.medfusion.bench;

/**
 * JVM options of every measuring fork that keep the JVM's own threads off the cores libtorch's OpenMP threads use.
 *
 * <p>Why: a training step runs one OpenMP thread per core, and every parallel region waits at a barrier for its
 * slowest thread. When the JVM wakes a thread of its own mid-step (a C2 compilation, a concurrent G1 phase), one
 * OpenMP thread is descheduled and the whole step waits. Measured on the 2-core CI VM (ResNet-18, batch 8, 64 px,
 * 5 warm-up and 15 measured steps, one fork, idle machine): with the JVM's defaults single steps took 2.5-4x the
 * median (400-600 ms against 130-170 ms) and the coefficient of variation was 40-66 %; with C2 off (the step's Java
 * code is thin JNI glue, so C1 code is as good) it was 5-8 % with no outlier above 1.3x. The serial collector has
 * no concurrent threads at all (the heap is fixed and pre-touched; a step allocates little on it).
 */
final class ForkJvm {

    /** C1 only: compilation finishes in the warm-up and never competes with a measured step. */
    static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

    /** No concurrent GC threads. */
    static final String SERIAL_GC = "-XX:+UseSerialGC";

    private ForkJvm() {
    }
}
