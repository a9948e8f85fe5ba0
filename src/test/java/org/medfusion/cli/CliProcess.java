package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CLI ({@link Main}) in a fresh JVM on the test classpath, in a given working directory, with extra
 * environment variables and JVM options: how tests drive what is armed per process (the oneDNN crash simulation) and
 * what a user's shell would see (exit code, stdout and stderr merged).
 */
final class CliProcess {

    record Result(int exit, String output) {
    }

    private CliProcess() {
    }

    static Result run(Path workDir, Map<String, String> env, List<String> jvmOptions, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Djava.io.tmpdir=" + workDir.toAbsolutePath()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(900, TimeUnit.SECONDS), "the CLI child did not end: " + String.join(" ", args));
        return new Result(p.exitValue(), out);
    }
}
