package org.medfusion.natives;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Switches libtorch's oneDNN (MKL-DNN) kernels off or on in this process through
 * {@code at::globalContext().setUserEnabledMkldnn(bool)}.
 *
 * <p>Why this way: on some CPUs oneDNN's brgemm 1x1-convolution backward divides by a cache size that cpuid does
 * not report and the JVM dies with SIGFPE (docs/native-fallback.md). Limiting oneDNN's ISA ({@code ONEDNN_MAX_CPU_ISA}) only
 * helps at {@code AVX}, which must be set before libtorch loads and makes steps several times slower; the user
 * switch makes PyTorch route convolutions to its native (im2col + GEMM) kernels, with exact results, and can be
 * flipped at any time after DJL loaded the engine. DJL has no API for it, so the two exported C++ symbols of
 * {@code libtorch_cpu.so} are called through JNA. The library is found among the mappings of this process
 * ({@code /proc/self/maps}), i.e. exactly the copy DJL loaded (from its cache or {@code PYTORCH_LIBRARY_PATH}).
 */
public final class OneDnnFallback {

    static final String LIBRARY = "libtorch_cpu.so";
    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String SET_ENABLED = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private static final String IS_ENABLED = "_ZNK2at7Context17userEnabledMkldnnEv";
    /** oneDNN's ISA cap variable. */
    public static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";

    private OneDnnFallback() {
    }

    /** Switches oneDNN on ({@code true}) or off in libtorch; the engine must already be loaded. */
    public static synchronized void setEnabled(boolean enabled) {
        NativeLibrary lib = library();
        Pointer ctx = lib.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
        lib.getFunction(SET_ENABLED).invokeVoid(new Object[] {ctx, enabled});
        if (isEnabled() != enabled) {
            throw new IllegalStateException("setUserEnabledMkldnn(" + enabled + ") did not take effect");
        }
    }

    /**
     * Caps oneDNN's instruction set for this process by setting {@code ONEDNN_MAX_CPU_ISA} in the native environment
     * (libc {@code setenv}; Java cannot change its own environment). oneDNN reads the variable once, when it creates
     * its first primitive, so this must run before any convolution; {@link Natives} calls it right after the engine
     * loads, and the preflight verifies exactly that sequence in a fresh child.
     */
    public static synchronized void limitIsa(String isa) {
        Function setenv = Function.getFunction("c", "setenv");
        if (setenv.invokeInt(new Object[] {ISA_VARIABLE, isa, 1}) != 0) {
            throw new IllegalStateException("setenv(" + ISA_VARIABLE + ") failed");
        }
    }

    /** The value oneDNN will read for its ISA cap (the native environment, not Java's snapshot of it). */
    public static String isaLimit() {
        Pointer p = Function.getFunction("c", "getenv").invokePointer(new Object[] {ISA_VARIABLE});
        return p == null ? null : p.getString(0);
    }

    /** libtorch's {@code userEnabledMkldnn()}: whether oneDNN kernels may be used. */
    public static synchronized boolean isEnabled() {
        NativeLibrary lib = library();
        Pointer ctx = lib.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
        // a C++ bool comes back in the low byte of the return register
        return (lib.getFunction(IS_ENABLED).invokeInt(new Object[] {ctx}) & 0xff) != 0;
    }

    /** The {@code libtorch_cpu.so} this process has mapped (loaded by DJL). */
    static NativeLibrary library() {
        Path path = loadedLibrary().orElseThrow(() -> new IllegalStateException(
                LIBRARY + " is not loaded in this process: load the PyTorch engine first"));
        return NativeLibrary.getInstance(path.toString());
    }

    /** Path of the mapped {@code libtorch_cpu.so}, from {@code /proc/self/maps}; empty when not loaded. */
    public static Optional<Path> loadedLibrary() {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.indexOf('/') < 0 ? "" : l.substring(l.indexOf('/')).trim())
                    .filter(p -> Path.of(p).getFileName() != null && Path.of(p).getFileName().toString().equals(LIBRARY))
                    .findFirst().map(Path::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
