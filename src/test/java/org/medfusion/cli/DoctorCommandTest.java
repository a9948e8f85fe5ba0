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
import org.medfusion.natives.NativePreflight;

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
    void printsASimulatedCrashAndItsFallback() {
        System.setProperty(NativePreflight.DIR_PROPERTY, dir.toString());
        System.setProperty(NativePreflight.SIMULATE_PROPERTY, "true");
        try {
            String[] r = run("doctor", "--refresh");
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("probe:            crash (probed now"), r[1]);
            assertTrue(r[1].contains("fallback:         oneDNN convolution disabled: preflight probe died with SIGFPE"), r[1]);
            assertTrue(r[1].contains(dir.toString()), "names the cache file: " + r[1]);
        } finally {
            System.clearProperty(NativePreflight.DIR_PROPERTY);
            System.clearProperty(NativePreflight.SIMULATE_PROPERTY);
        }
    }

    @Test
    void forkPropertyAppliesTheFallbackInAFreshJvm() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-Dmedfusion.onednn=off", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "doctor")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("in this process:  oneDNN convolution disabled: requested with -Dmedfusion.onednn=off"), out);
        assertTrue(out.contains("oneDNN enabled: false"), out);
        assertTrue(out.contains("JMH forks get -Dmedfusion.onednn=off"), out);
    }
}
