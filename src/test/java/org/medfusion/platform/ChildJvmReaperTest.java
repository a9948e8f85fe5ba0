package org.medfusion.platform;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command stopped while a child JVM runs (Ctrl-C, a scheduler's SIGTERM) takes the child with it: a parent JVM
 * running a sleeping child through {@link ChildJvm} is sent SIGTERM, and the child must be gone soon after.
 */
class ChildJvmReaperTest {

    /** The child: writes its pid, then sleeps far longer than the test. */
    public static final class Sleeper {
        public static void main(String[] args) throws Exception {
            Files.writeString(Path.of(args[0]), Long.toString(ProcessHandle.current().pid()));
            Thread.sleep(300_000);
        }
    }

    /** The parent: runs the sleeper through the launcher under test. */
    public static final class Parent {
        public static void main(String[] args) throws IOException {
            ChildJvm.of(Sleeper.class).args(List.of(args[0])).errorDir(Path.of(args[1])).what("sleeping").run();
        }
    }

    @Test
    void stoppingTheParentStopsItsChild(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Parent.class.getName(), pidFile.toString(), tmp.resolve("errors").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("parent.out").toFile()).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!(Files.exists(pidFile) && Files.size(pidFile) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(pidFile), "the child never started: " + Files.readString(tmp.resolve("parent.out")));
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            parent.destroy(); // SIGTERM, as Ctrl-C or scancel would
            parent.waitFor();
            Optional<ProcessHandle> child = ProcessHandle.of(pid);
            long until = System.nanoTime() + 10_000_000_000L;
            while (child.map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            boolean alive = child.map(ProcessHandle::isAlive).orElse(false);
            child.ifPresent(ProcessHandle::destroyForcibly);
            assertFalse(alive, "the child JVM outlived its stopped parent");
        } finally {
            parent.destroyForcibly();
        }
    }
}
