package org.medfusion.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preflight end to end with real probe children: the simulated crash (test hook) is detected, the oneDNN
 * fallback is verified in a second child and chosen, the verdict is cached; the real probe on this machine passes
 * without a fallback (or, on a machine that crashes, chooses the verified fallback).
 */
class NativePreflightTest {

    @TempDir
    Path dir;

    @Test
    void simulatedCrashIsDetectedThenFallbackVerifiedAndCached() throws Exception {
        String version = Natives.loadEngine();
        NativePreflight p = new NativePreflight(dir, true, Duration.ofSeconds(180));
        NativePreflight.Outcome o = p.verdict(version, false);
        NativeVerdict v = o.verdict();
        assertTrue(o.fresh());
        assertEquals(NativeVerdict.CRASH, v.probe(), v.toString());
        assertEquals(Fallback.PREFERENCE.get(0), v.fallbackMode(), v.toString()); // the fastest one passes
        assertTrue(v.usable());
        assertTrue(v.detail().contains("SIGFPE"), v.detail());
        assertTrue(v.detail().contains("1x1 conv 64->256"), v.detail()); // the first shape class was running
        assertTrue(v.detail().endsWith("passes with " + Fallback.PREFERENCE.get(0).id()), v.detail());
        assertTrue(v.description().startsWith(Fallback.PREFERENCE.get(0).headline() + ": preflight probe died with SIGFPE"),
                v.description());
        assertTrue(Files.isRegularFile(o.cacheFile()));
        assertTrue(Files.readString(dir.resolve(v.key() + "-hs_err.log")).contains("SIGFPE"), "hs_err kept beside the verdict");

        NativePreflight.Outcome again = p.verdict(version, false);
        assertFalse(again.fresh(), "second call reads the cache");
        assertEquals(v, again.verdict());
        // the simulated verdict never stands for the real machine
        assertFalse(new NativePreflight(dir, false, Duration.ofSeconds(180)).key(CpuSignature.detect(), version).equals(v.key()));
    }

    @Test
    void realProbeKeepsTheFallbackOffWhereItPasses() {
        String version = Natives.loadEngine();
        NativePreflight.Outcome o = new NativePreflight(dir, false, Duration.ofSeconds(180)).verdict(version, false);
        NativeVerdict v = o.verdict();
        assertTrue(v.usable(), v.toString());
        if (NativeVerdict.PASS.equals(v.probe())) {
            assertEquals(Fallback.NONE, v.fallbackMode());
            assertEquals("none", v.description());
            assertNull(v.detail());
        } else { // a machine of DESIGN.md 4b
            assertEquals(NativeVerdict.CRASH, v.probe(), v.toString());
            assertTrue(Fallback.PREFERENCE.contains(v.fallbackMode()), v.toString());
        }
    }

    @Test
    void hsErrParsing() {
        String hs = """
                #
                # A fatal error has been detected by the Java Runtime Environment:
                #
                #  SIGFPE (0x8) at pc=0x00007f2a1c2d3e4f, pid=4242, tid=4243
                #
                # Problematic frame:
                # C  [libtorch_cpu.so+0x5a3e4f]  dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()+0x2af
                #
                """;
        assertEquals("SIGFPE", NativePreflight.signal(hs, 1));
        assertEquals("libtorch_cpu.so dnnl::impl::cpu::x64::brgemm_convolution_bwd_utils::brg_blocking_t::est_eff_1x1()",
                NativePreflight.frame(hs));
        assertEquals("SIGABRT", NativePreflight.signal("", 134));
        assertNull(NativePreflight.frame(""));
        assertEquals("b", NativePreflight.lastShape("probe start a\nprobe ok a 1 ms\nprobe start b\n"));
        assertNull(NativePreflight.lastShape("probe start a\nprobe ok a 1 ms\n"));
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
