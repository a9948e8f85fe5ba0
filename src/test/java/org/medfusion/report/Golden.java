package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

/** Golden-file comparison; {@code -Dgolden.update=true} rewrites the file under src/test/resources/golden. */
final class Golden {
    private Golden() {
    }

    static void check(String name, String actual) throws Exception {
        Path src = Path.of("src/test/resources/golden", name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(src.getParent());
            Files.writeString(src, actual);
        }
        try (var in = Golden.class.getResourceAsStream("/golden/" + name)) {
            String expected = in == null ? Files.readString(src) : new String(in.readAllBytes(), "UTF-8");
            assertEquals(expected, actual, "golden file " + name + " differs (rerun with -Dgolden.update=true "
                    + "after checking the change is intended)");
        }
    }
}
