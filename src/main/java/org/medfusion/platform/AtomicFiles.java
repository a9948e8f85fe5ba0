package org.medfusion.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Atomic file writes: the content goes to a temp file in the target's directory (name starting with
 * {@code .} and ending {@value #TEMP_SUFFIX}), is forced to disk, then renamed over the target with
 * {@link StandardCopyOption#ATOMIC_MOVE}. A reader (or a resumed run after a kill) therefore sees either the
 * old file or the complete new one, never a half-written file; a leftover temp file is ignored by readers.
 */
public final class AtomicFiles {

    /** Suffix of temp files; readers skip files with it. */
    public static final String TEMP_SUFFIX = ".tmp";

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PERMS =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    /** Writes UTF-8 text atomically, creating parent directories. */
    public static Path writeString(Path target, String text) {
        return writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes bytes atomically, creating parent directories. */
    public static Path writeBytes(Path target, byte[] bytes) {
        return write(target, out -> out.write(bytes));
    }

    /** What {@link #write} streams into the temp file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /** Streams {@code content} atomically into {@code target}, creating parent directories (large files too). */
    public static Path write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", TEMP_SUFFIX);
            try { // temp files are created owner-only; results are meant to be shared
                Files.setPosixFilePermissions(tmp, PERMS);
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                var out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("file system of " + dir + " does not support atomic rename", e);
            }
            return abs;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** True for temp files left by an interrupted {@link #write}. */
    public static boolean isTemp(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(".") && n.endsWith(TEMP_SUFFIX);
    }

    /** Deletes a directory tree, best effort (a temp folder left behind costs disk, nothing else); null is ignored. */
    public static void deleteTreeQuietly(Path dir) {
        if (dir == null || !java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }
}
