package org.medfusion.results;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.util.List;
import org.medfusion.platform.CpuTicks;
import org.medfusion.platform.Json;

/**
 * The one serialization of a {@link RunManifest}: the flat object every {@code manifest.json} has held, one field per
 * figure in the order of {@link Flat}'s components (CPU ticks as {@code [total, steal]}, {@code []} where unknown) (snake_case through {@link Json#MAPPER}; manifests written with
 * camelCase names still read). The record groups its figures; this class maps the groups to the flat file and back,
 * so the file does not change with the grouping.
 */
public final class ManifestJson {

    private ManifestJson() {
    }

    /** The manifest as written to disk, field by field in file order. */
    record Flat(String runId, String configName, String configHash, List<CellKey> cells, Environment environment,
            String gitCommit, String commandLine, String shard, String startedAt, String finishedAt,
            List<String> missingShards, List<String> diagnostics, List<Double> loadAtStart, List<Double> loadAtEnd,
            List<Long> cpuTicksAtStart, List<Long> cpuTicksAtEnd) {

        static Flat of(RunManifest m) {
            RunManifest.MachineLoad l = m.load();
            return new Flat(m.runId(), m.configName(), m.configHash(), m.cells(), m.environment(), m.gitCommit(),
                    m.commandLine(), m.shard(), m.startedAt(), m.finishedAt(), m.missingShards(), m.diagnostics(),
                    l.loadAtStart(), l.loadAtEnd(), CpuTicks.toList(l.cpuTicksAtStart()), CpuTicks.toList(l.cpuTicksAtEnd()));
        }

        RunManifest manifest() {
            return RunManifest.builder().runId(runId).configName(configName).configHash(configHash).cells(cells)
                    .environment(environment).gitCommit(gitCommit).commandLine(commandLine).shard(shard)
                    .startedAt(startedAt).finishedAt(finishedAt).missingShards(missingShards).diagnostics(diagnostics)
                    .load(new RunManifest.MachineLoad(loadAtStart, loadAtEnd, CpuTicks.fromList(cpuTicksAtStart),
                            CpuTicks.fromList(cpuTicksAtEnd))).build();
        }
    }

    /**
     * The serializers of {@link RunManifest}, registered with {@link Json#MAPPER} through Jackson's module discovery
     * ({@code META-INF/services/com.fasterxml.jackson.databind.Module}).
     */
    public static final class Module extends SimpleModule {
        public Module() {
            super("manifest-json");
            addSerializer(RunManifest.class, new JsonSerializer<>() {
                @Override
                public void serialize(RunManifest value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                    serializers.defaultSerializeValue(Flat.of(value), gen);
                }
            });
            addDeserializer(RunManifest.class, new JsonDeserializer<>() {
                @Override
                public RunManifest deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                    Flat flat = ctxt.readValue(p, Flat.class);
                    return flat == null ? null : flat.manifest();
                }
            });
        }
    }
}
