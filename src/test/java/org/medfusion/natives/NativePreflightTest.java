package org.medfusion.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preflight with real probe children on this machine's real libtorch: a verdict per shape set, cached; the
 * simulated crash is tested end to end through the CLI ({@code cli.CrashProofTest}), since it is armed by the
 * environment of a process.
 */
class NativePreflightTest {

    @TempDir
    Path dir;

    private static final ConvShape STEM = ConvShape.parse("conv 3->64 k7x7 s2x2 p3x3 d1x1 g1 @32x32");
    private static final ConvShape REDUCE = ConvShape.parse("conv 256->64 k1x1 s1x1 p0x0 d1x1 g1 @8x8");

    @Test
    void aShapeSetThatDoesNotCrashPassesWithoutFallbackAndIsCached() {
        String version = Natives.loadEngine();
        NativePreflight p = new NativePreflight(dir, Duration.ofSeconds(180));
        NativePreflight.Outcome o = p.verdict(version, Set.of(STEM, REDUCE), Set.of(), Fallback.NONE, false);
        NativeVerdict v = o.verdict();
        assertTrue(o.fresh());
        assertEquals(NativeVerdict.Probe.PASS, v.probe(), v.toString()); // no CPU is known to crash on these
        assertEquals(Fallback.NONE, v.fallback());
        assertEquals("none", v.description());
        assertNull(v.detail());
        assertEquals(2, v.shapes());
        assertTrue(Files.isRegularFile(o.cacheFile()));

        NativePreflight.Outcome again = p.verdict(version, Set.of(REDUCE, STEM), Set.of(), Fallback.NONE, false);
        assertFalse(again.fresh(), "the same set (any order) reads the cache");
        assertEquals(o.cacheFile(), again.cacheFile());
        NativePreflight.Outcome other = p.verdict(version, Set.of(STEM), Set.of(), Fallback.NONE, false);
        assertTrue(other.fresh(), "another set is probed");
    }

    @Test
    void shapeKeysRoundTripAndNameTheCrashingClass() {
        ConvShape s = ConvShape.parse("conv 512->1024 k1x1 s2x2 p0x0 d1x1 g1 @8x8");
        assertEquals("conv 512->1024 k1x1 s2x2 p0x0 d1x1 g1 @8x8", s.key());
        assertTrue(s.isStrided1x1());
        assertEquals(ConvShape.parse("conv 512->1024 k1x1 s1x1 p0x0 d1x1 g1 @4x4"), s.subsampled());
        assertFalse(REDUCE.isStrided1x1());
        assertFalse(STEM.isStrided1x1());
        assertEquals(STEM, STEM.subsampled());
        assertThrows(IllegalArgumentException.class, () -> ConvShape.parse("conv 1->1 k1x1"));
    }

    @Test
    void simulationSpecs() {
        assertNull(SimulatedOneDnnCrash.parse(null));
        assertNull(SimulatedOneDnnCrash.parse("0"));
        assertEquals(new SimulatedOneDnnCrash(512, 1), SimulatedOneDnnCrash.parse("1"));
        assertEquals(new SimulatedOneDnnCrash(256, 4), SimulatedOneDnnCrash.parse("min-in=256, min-batch=4"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimulatedOneDnnCrash.parse("shape=1x1"));
        assertTrue(e.getMessage().contains(SimulatedOneDnnCrash.ENV), e.getMessage());
    }

    @Test
    void lastStartedShapeIsTheCrashingOne() {
        assertEquals("b", NativePreflight.lastShape("probe start a\nprobe ok a 1 ms\nprobe start b\n"));
        assertNull(NativePreflight.lastShape("probe start a\nprobe ok a 1 ms\n"));
    }

    @Test
    void fallbackOrderIsFastestFirstAndAvxOnlyBeforeTheFirstConvolution() {
        assertEquals(List.of(Fallback.STRIDED_1X1_SUBSAMPLE, Fallback.ISA_AVX, Fallback.ONEDNN_OFF), Fallback.PREFERENCE);
        assertEquals(Fallback.PREFERENCE, Fallback.NONE.stronger());
        assertEquals(List.of(Fallback.ONEDNN_OFF), Fallback.ISA_AVX.stronger());
        assertFalse(Fallback.ISA_AVX.applicableAfterConvolutions());
        assertEquals(Fallback.STRIDED_1X1_SUBSAMPLE, Fallback.fromMode("subsample"));
        assertNull(Fallback.fromMode("auto"));
    }

    @Test
    void cpuSignatureKeysOnCacheTopologyAndLibtorch() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 26", "model\t\t: 2",
                "model name\t: AMD EPYC 9R45", "flags\t\t: fpu avx512f avx2", "", "processor\t: 1", "cpu family\t: 99");
        CpuSignature noCache = CpuSignature.parse(cpuinfo, false);
        assertEquals("26", noCache.family());
        assertEquals(List.of("avx2", "avx512f", "fpu"), noCache.flags());
        assertTrue(noCache.describe().contains("no cache topology reported"), noCache.describe());
        CpuSignature withCache = CpuSignature.parse(cpuinfo, true);
        assertFalse(noCache.key("2.7.1", "").equals(withCache.key("2.7.1", "")));
        assertFalse(noCache.key("2.7.1", "").equals(noCache.key("2.8.0", "")));
        assertEquals(noCache.key("2.7.1", ""), CpuSignature.parse(cpuinfo, false).key("2.7.1", ""));
    }
}
