package org.medfusion.results;

import org.medfusion.platform.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.medfusion.checkpoint.Split;

/**
 * The one serialization of a cell: a flat object with snake_case fields, in the order of {@link #FIELDS}, the
 * status lower-case; {@code step_ms_n} and {@code step_ms_cv} are derived from the samples (written, not read
 * back). {@code cells/*.json} (through {@link Json#MAPPER}, which registers {@link #module()}),
 * {@code measure --format json} ({@link #toNode}) and the columns of {@code raw.csv} ({@link RawCsv#COLUMNS}) all
 * use these names.
 *
 * <p>Cell files written before this form (a nested camelCase {@code key}, upper-case status) still read.
 */
public final class CellJson {

    /** The fields of a cell, in order: its key, family, outcome, memory and time figures. */
    public static final List<String> FIELDS = List.of("model", "family", "batch", "res", "segments", "split",
            "accumulation", "precision", "device", "status", "message", "peak_bytes", "memory_method", "memory_repeats",
            "step_ms_median", "step_ms_ci_low", "step_ms_ci_high", "step_ms_n", "step_ms_samples", "step_ms_cv",
            "recompute_forward_ms", "paired_plain_ms_samples", "recompute_fork_ms", "chain_forward_fork_ms");

    private CellJson() {
    }

    /** The cell as a JSON object; missing figures are null. */
    public static ObjectNode toNode(CellResult r) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        CellKey k = r.key();
        n.put("model", k.model());
        n.put("family", r.family());
        n.put("batch", k.batch());
        n.put("res", k.res());
        n.put("segments", k.segments());
        n.put("split", k.split().label());
        n.put("accumulation", k.accumulation());
        n.put("precision", k.precision().label());
        n.put("device", k.device().label());
        n.put("status", r.status().label());
        n.put("message", r.message());
        n.put("peak_bytes", r.peakBytes());
        n.put("memory_method", r.memoryMethod() == null ? null : r.memoryMethod().label());
        ArrayNode repeats = n.putArray("memory_repeats");
        r.memoryRepeats().forEach(repeats::add);
        n.put("step_ms_median", r.stepMsMedian());
        n.put("step_ms_ci_low", r.stepMsCiLow());
        n.put("step_ms_ci_high", r.stepMsCiHigh());
        n.put("step_ms_n", r.stepMsSamples().size());
        ArrayNode samples = n.putArray("step_ms_samples");
        r.stepMsSamples().forEach(samples::add);
        n.put("step_ms_cv", Stats.cv(r.stepMsSamples()));
        n.put("recompute_forward_ms", r.recomputeForwardMs());
        ArrayNode paired = n.putArray("paired_plain_ms_samples");
        r.pairedPlainMsSamples().forEach(paired::add);
        ArrayNode forks = n.putArray("recompute_fork_ms");
        r.recomputeForkMs().forEach(forks::add);
        ArrayNode chain = n.putArray("chain_forward_fork_ms");
        r.chainForwardForkMs().forEach(chain::add);
        return n;
    }

    /**
     * A cell from its JSON object, the flat form or the legacy one (nested {@code key}, camelCase).
     *
     * @throws IllegalArgumentException naming the field when the object is not a cell
     */
    public static CellResult fromNode(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a cell must be a JSON object");
        }
        boolean legacy = n.has("key");
        JsonNode keyNode = legacy ? n.get("key") : n;
        if (keyNode == null || !keyNode.isObject() || !keyNode.hasNonNull("model")) {
            throw new IllegalArgumentException("no key (model, batch, res, segments, ...)");
        }
        CellKey key = new CellKey(keyNode.get("model").asText(), integer(keyNode, "batch"), integer(keyNode, "res"),
                integer(keyNode, "segments"), keyNode.hasNonNull("split") ? Split.parse(keyNode.get("split").asText()) : null,
                Precision.parse(text(keyNode, "precision")), Device.parse(text(keyNode, "device")),
                keyNode.hasNonNull("accumulation") ? integer(keyNode, "accumulation") : 1);
        String status = text(n, "status");
        if (status == null) {
            throw new IllegalArgumentException("no status");
        }
        return CellResult.builder(key, text(n, "family"), CellStatus.parse(status))
                .peak(longValue(field(n, legacy, "peak_bytes")), MemoryMethod.parseOrNull(text(n, legacy ? "memoryMethod" : "memory_method")))
                .memoryRepeats(longs(field(n, legacy, "memory_repeats")))
                .stepMsSamples(doubles(field(n, legacy, "step_ms_samples")))
                .stepMs(doubleValue(field(n, legacy, "step_ms_median")), doubleValue(field(n, legacy, "step_ms_ci_low")),
                        doubleValue(field(n, legacy, "step_ms_ci_high")))
                .recomputeForwardMs(doubleValue(field(n, legacy, "recompute_forward_ms")))
                .pairedPlainMsSamples(doubles(field(n, legacy, "paired_plain_ms_samples")))
                .recomputeForkMs(doubles(field(n, legacy, "recompute_fork_ms")))
                .chainForwardForkMs(doubles(field(n, legacy, "chain_forward_fork_ms")))
                .message(text(n, "message")).build();
    }

    /** Registers the serializer and deserializer of {@link CellResult} (see {@link Json#MAPPER}). */
    public static SimpleModule module() {
        return new Module();
    }

    /**
     * The serializers of {@link CellResult}, registered with {@link Json#MAPPER} through Jackson's module discovery
     * ({@code META-INF/services/com.fasterxml.jackson.databind.Module}), so the platform's mapper knows no result type.
     */
    public static final class Module extends SimpleModule {
        public Module() {
            super("cell-json");
            register(this);
        }
    }

    private static void register(SimpleModule m) {
        m.addSerializer(CellResult.class, new JsonSerializer<>() {
            @Override
            public void serialize(CellResult value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeTree(toNode(value));
            }
        });
        m.addDeserializer(CellResult.class, new JsonDeserializer<>() {
            @Override
            public CellResult deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonNode n = p.readValueAsTree();
                try {
                    return fromNode(n);
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(p, "not a cell: " + e.getMessage(), e);
                }
            }
        });
    }

    private static JsonNode field(JsonNode n, boolean legacy, String snake) {
        return n.get(legacy ? Json.camelCase(snake) : snake);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static int integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException(field + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static Long longValue(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        throw new IllegalArgumentException("not an integer: " + v);
    }

    /** A number; Jackson writes NaN and infinities as the strings "NaN", "Infinity", "-Infinity". */
    private static Double doubleValue(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        try {
            return Double.parseDouble(v.asText());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + v);
        }
    }

    private static List<Long> longs(JsonNode v) {
        List<Long> out = new ArrayList<>();
        if (v != null) {
            v.forEach(x -> out.add(longValue(x)));
        }
        return out;
    }

    private static List<Double> doubles(JsonNode v) {
        List<Double> out = new ArrayList<>();
        if (v != null) {
            v.forEach(x -> out.add(doubleValue(x)));
        }
        return out;
    }
}
