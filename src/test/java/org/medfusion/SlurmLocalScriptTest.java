package org.medfusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/slurm-local.sh} without starting anything (SlurmEndToEndIT starts and stops a real cluster): its
 * usage error, the missing-package message when no Slurm client is on the PATH, and status/stop of a cluster that
 * does not run.
 */
class SlurmLocalScriptTest {

    record Result(int code, String out) {
    }

    static Result script(Map<String, String> env, String... args) throws Exception {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "/bin/bash";
        cmd[1] = "scripts/slurm-local.sh";
        System.arraycopy(args, 0, cmd, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    @Test
    void usageMissingPackagesAndAClusterThatDoesNotRun(@TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("SLURM_LOCAL_DIR", tmp.resolve("slurm").toString());
        Result usage = script(env, "restart");
        assertEquals(2, usage.code());
        assertEquals("slurm-local: usage: scripts/slurm-local.sh start|stop|status (got 'restart')", usage.out().strip());

        // no client on the PATH (the daemons may still be found in /usr/sbin): one line naming what is missing and the fix
        Result missing = script(Map.of("PATH", "/nonexistent", "SLURM_LOCAL_DIR", tmp.resolve("slurm").toString()), "start");
        assertEquals(3, missing.code(), missing.out());
        assertTrue(missing.out().startsWith("slurm-local: missing: ") && missing.out().contains("sbatch (Debian package slurm-client)")
                && missing.out().strip().endsWith("install them with: apt-get install slurm-wlm munge"), missing.out());
        assertEquals(1, missing.out().strip().lines().count(), missing.out());

        Result status = script(env, "status");
        assertEquals(1, status.code(), status.out());
        assertEquals("munged: not running\nslurmctld: not running\nslurmd: not running", status.out().strip());
        Result stop = script(env, "stop");
        assertEquals(0, stop.code(), "stop is idempotent: " + stop.out());
        assertEquals("slurm-local: not running under " + tmp.resolve("slurm"), stop.out().strip());
    }
}
