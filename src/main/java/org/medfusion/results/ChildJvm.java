package org.medfusion.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a main class of this classpath in a fresh JVM (this JVM's java, DJL offline, no {@code LD_PRELOAD}) and
 * returns what it printed on stdout; its stderr goes to ours. For measurements that must not share a process with the
 * caller (a profile's memory environment, a timing fork's settings).
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * @param jvmArgs options before the class path
     * @param env variables to set in the child's environment (added to ours; a null value removes one of ours)
     * @param what what the child does, for error messages (e.g. {@code profiling resnet18_b16_r112})
     * @throws IOException when it cannot start, is interrupted (then destroyed) or exits non-zero
     */
    public static String run(List<String> jvmArgs, Class<?> main, List<String> args, Map<String, String> env, String what) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().put("DJL_OFFLINE", "true");
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        }
        if (rc != 0) {
            throw new IOException(what + " failed: the child JVM exited with " + rc);
        }
        return out;
    }
}
