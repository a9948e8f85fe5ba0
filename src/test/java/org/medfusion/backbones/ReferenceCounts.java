package org.medfusion.backbones;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/** torchvision's parameter and float-buffer counts (1000 classes), from the reference CSV. */
final class ReferenceCounts {

    record Counts(long parameters, Long floatBuffers) {
    }

    static final Map<String, Counts> COUNTS = load();

    private static Map<String, Counts> load() {
        Map<String, Counts> m = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                ReferenceCounts.class.getResourceAsStream("/torchvision-param-counts.csv"), StandardCharsets.UTF_8))) {
            for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
                String buf = rec.get("float_buffers");
                m.put(rec.get("model"), new Counts(Long.parseLong(rec.get("parameters")),
                        buf.isBlank() ? null : Long.parseLong(buf)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    private ReferenceCounts() {
    }
}
