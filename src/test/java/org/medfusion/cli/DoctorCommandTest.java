package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.Map;
import org.medfusion.natives.Fallback;
import org.medfusion.natives.NativePreflight;
import org.medfusion.natives.SimulatedOneDnnCrash;

/** {@code doctor}: what the preflight found, the fallback, exit 0 when usable; {@code -Dmedfusion.onednn=off} (how JMH forks get the decision) applies the fallback. */
class DoctorCommandTest {

    @TempDir
    Path dir;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void printsTheVerdictOfThisMachine() {
        String[] r = run("doctor");
        assertEquals("0", r[0], r[1] + r[2]);
        for (String line : List.of("CPU:", "cache topology:", "libtorch:", "probe:", "fallback:", "in this process:", "verdict:          usable")) {
            assertTrue(r[1].contains(line), line + " missing in:\n" + r[1]);
        }
    }

    @Test
    void printsASimulatedCrashOfTheConfigsShapesAndItsFallback() throws Exception {
        CliProcess.Result r = CliProcess.run(dir, Map.of(SimulatedOneDnnCrash.ENV, "1"),
                List.of("-D" + NativePreflight.DIR_PROPERTY + "=" + dir.resolve("cache")), "doctor", "--config", "smoke");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("probed for:       smoke (resnet50 at 112 px): "), r.output());
        assertTrue(r.output().contains("probe:            crash (probed now"), r.output());
        assertTrue(r.output().contains("fallback:         " + Fallback.STRIDED_1X1_SUBSAMPLE.headline() + ": probe died with SIGFPE"
                + " in forward/backward of conv "), r.output());
        assertTrue(r.output().contains("k1x1 s2x2"), "the crashing class is a strided 1x1 convolution: " + r.output());
        assertTrue(r.output().contains(dir.resolve("cache").toString()), "names the cache file: " + r.output());
    }

    /** The simulation is keyed by shape: ResNet-18's strided 1x1 convolutions have fewer than 512 input channels. */
    @Test
    void theSimulatedCrashSparesModelsWithoutTheCrashingClass() throws Exception {
        java.nio.file.Path yaml = dir.resolve("r18.yaml");
        java.nio.file.Files.writeString(yaml, "name: r18\ndevice: cpu\nprecision: [fp32]\nmodels: [resnet18]\nbatch_sizes: [2]\n"
                + "resolutions: [64]\nsegments: [0]\n");
        CliProcess.Result r = CliProcess.run(dir, Map.of(SimulatedOneDnnCrash.ENV, "1"),
                List.of("-D" + NativePreflight.DIR_PROPERTY + "=" + dir.resolve("cache")), "doctor", "--config", yaml.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("probe:            pass (probed now"), r.output());
        assertTrue(r.output().contains("fallback:         none"), r.output());
    }

    /** Runs {@code Main} in a fresh JVM (as a JMH fork would start) with {@code -Dmedfusion.onednn=<mode>}. */
    private static String[] child(String mode, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Dmedfusion.onednn=" + mode, "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    @Test
    void forkPropertyOffSwitchesOneDnnOff() throws Exception {
        String[] r = child("off", "doctor");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("fallback:         oneDNN convolution disabled: requested with -Dmedfusion.onednn=off"), r[1]);
        assertTrue(r[1].contains("in this process:  onednn-off"), r[1]);
        assertTrue(r[1].contains("oneDNN enabled: false"), r[1]);
        assertTrue(r[1].contains("JMH forks and child JVMs get -Dmedfusion.onednn.decided=off"), r[1]);
    }

    @Test
    void forkPropertyAvxCapsOneDnnAndCheckpointingStaysExact() throws Exception {
        String[] r = child("avx", "verify", "--model", "resnet50", "--batch", "2", "--res", "32", "--segments", "4",
                "--format", "json");
        assertEquals("0", r[0], "verify must agree exactly under ONEDNN_MAX_CPU_ISA=AVX: " + r[1]);
        r = child("avx", "doctor");
        assertTrue(r[1].contains("ONEDNN_MAX_CPU_ISA=AVX"), r[1]);
        assertTrue(r[1].contains("JMH forks and child JVMs get -Dmedfusion.onednn.decided=avx"), r[1]);
    }
}
