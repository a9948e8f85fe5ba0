package org.medfusion.results;

import org.medfusion.report.Reporter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardMergeTest {

    @TempDir
    Path tmp;

    static List<CellKey> matrix() {
        List<CellKey> l = new ArrayList<>();
        for (String m : List.of("resnet18", "resnet50", "vit_b_16", "mobilenet_v2", "convnext_tiny")) {
            for (int b : List.of(8, 16)) {
                for (int s : List.of(0, 2, 4, 8)) {
                    l.add(new CellKey(m, b, 112, s, Precision.FP32, Device.CPU));
                }
            }
        }
        return l;
    }

    @Test
    void shardsPartitionTheMatrixAndKeepGroupsTogether() {
        List<CellKey> all = matrix();
        List<CellKey> shuffled = new ArrayList<>(all);
        java.util.Collections.shuffle(shuffled, new java.util.Random(1));
        Set<CellKey> union = new HashSet<>();
        int n = 3;
        for (int k = 1; k <= n; k++) {
            List<CellKey> shard = Shards.select(all, k, n);
            assertEquals(shard, Shards.select(shuffled, k, n), "independent of input order");
            for (CellKey c : shard) {
                assertTrue(union.add(c), "cell in two shards: " + c);
                for (int s : List.of(0, 2, 4, 8)) {
                    assertTrue(shard.contains(new CellKey(c.model(), c.batch(), c.res(), s, c.precision(), c.device())),
                            "group split: " + c);
                }
            }
            assertTrue(shard.size() >= 12 && shard.size() <= 16, "balanced: " + shard.size());
        }
        assertEquals(new HashSet<>(all), union);
    }

    @Test
    void parseShardSpec() {
        assertEquals(new Shards.Shard(2, 4), Shards.parse("2/4"));
        assertEquals("2/4", Shards.parse(" 2 / 4 ").toString());
        assertEquals("--shard must be k/n with 1 <= k <= n, got 3/2",
                assertThrows(IllegalArgumentException.class, () -> Shards.parse("3/2")).getMessage());
        assertEquals("--shard must be k/n with 1 <= k <= n, got 0/2",
                assertThrows(IllegalArgumentException.class, () -> Shards.parse("0/2")).getMessage());
        assertEquals("--shard must be k/n with 1 <= k <= n, got two",
                assertThrows(IllegalArgumentException.class, () -> Shards.parse("two")).getMessage());
    }

    /** Writes a shard run dir holding the fixture cells of shard k/n. */
    Path shardDir(String name, int k, int n, RunManifest base) {
        Path d = tmp.resolve(name);
        List<CellKey> keys = Shards.select(Fixtures.run().stream().map(CellResult::key).toList(), k, n);
        Fixtures.run().stream().filter(c -> keys.contains(c.key())).forEach(c -> CellStore.save(d, c));
        base.toBuilder().runId(base.runId() + "-" + k).cells(keys).commandLine(base.commandLine() + " --shard " + k + "/" + n)
                .shard(k + "/" + n).build().write(d);
        return d;
    }

    @Test
    void mergeCombinesShards() {
        RunManifest base = Fixtures.manifest(Fixtures.run(), null);
        Path a = shardDir("a", 1, 2, base);
        Path b = shardDir("b", 2, 2, base);
        Path out = tmp.resolve("merged");
        RunManifest m = Merger.merge(List.of(a, b), out);
        List<CellResult> expected = new ArrayList<>(Fixtures.run());
        expected.sort((x, y) -> CellKey.ORDER.compare(x.key(), y.key()));
        assertEquals(expected, CellStore.load(out));
        assertEquals(m, RunManifest.read(out));
        assertEquals(null, m.shard());
        assertEquals(base.configHash(), m.configHash());
        assertEquals(Fixtures.run().size(), m.cells().size());
        // the merged directory renders like any run
        assertTrue(Reporter.render(out).reportHtml().toFile().isFile());
    }

    @Test
    void mergeRefusesDifferentConfigOrEnvironmentOrDuplicates() {
        RunManifest base = Fixtures.manifest(Fixtures.run(), null);
        Path a = shardDir("a", 1, 2, base);
        RunManifest otherCfg = base.toBuilder().configHash(RunManifest.hash("other")).shard(null).build();
        Path b = shardDir("b", 2, 2, otherCfg);
        ReportDataException e = assertThrows(ReportDataException.class,
                () -> Merger.merge(List.of(a, b), tmp.resolve("m1")));
        assertTrue(e.getMessage().startsWith("cannot merge: configHash differs between " + a), e.getMessage());

        Environment env = base.environment();
        Environment otherGpu = new Environment(env.cpuModel(), env.cores(), env.memoryBytes(), "NVIDIA A100-SXM4-40GB",
                env.gpuDriver(), env.cudaVersion(), env.jvm(), env.os(), env.djlVersion(), env.libtorchVersion());
        Path c = shardDir("c", 2, 2, base.toBuilder().environment(otherGpu).shard(null).build());
        e = assertThrows(ReportDataException.class, () -> Merger.merge(List.of(a, c), tmp.resolve("m2")));
        assertEquals("cannot merge: environment.gpuName differs between " + a + " (NVIDIA H100 80GB HBM3) and " + c
                + " (NVIDIA A100-SXM4-40GB)", e.getMessage());

        Path a2 = shardDir("a2", 1, 2, base);
        e = assertThrows(ReportDataException.class, () -> Merger.merge(List.of(a, a2), tmp.resolve("m3")));
        assertTrue(e.getMessage().startsWith("cannot merge: cell "), e.getMessage());
        assertTrue(e.getMessage().contains(" is in both " + a + " and " + a2), e.getMessage());
    }

    /** A task killed mid-run leaves its manifest and some cells: those are merged, the shard is still missing. */
    @Test
    void anUnfinishedShardIsMissingButItsCellsAreMerged() throws Exception {
        RunManifest base = Fixtures.manifest(Fixtures.run(), null);
        Path a = shardDir("a", 1, 2, base);
        Path b = shardDir("b", 2, 2, base);
        CellKey lost = RunManifest.read(b).cells().get(0);
        java.nio.file.Files.delete(CellStore.cellFile(b, lost));
        RunManifest m = Merger.merge(List.of(a, b), tmp.resolve("merged"));
        assertEquals(List.of("2/2"), m.missingShards());
        assertEquals(Fixtures.run().size() - 1, CellStore.load(tmp.resolve("merged")).size());
        assertTrue(m.cells().contains(lost), "the matrix still lists the cell that was not measured");
        // an empty shard (no cells listed) is present
        Path empty = tmp.resolve("empty");
        base.toBuilder().runId(base.runId() + "-3").cells(List.of()).shard("3/3").build().write(empty);
        Path s1 = shardDir("s1", 1, 3, base);
        Path s2 = shardDir("s2", 2, 3, base);
        assertTrue(Merger.merge(List.of(s1, s2, empty), tmp.resolve("m3")).missingShards().isEmpty());
    }

    @Test
    void mergeRefusesMissingManifest() {
        Path a = tmp.resolve("nomanifest");
        CellStore.save(a, Fixtures.run().get(0));
        ReportDataException e = assertThrows(ReportDataException.class,
                () -> Merger.merge(List.of(a), tmp.resolve("m")));
        assertEquals("missing manifest " + a.resolve("manifest.json"), e.getMessage());
    }
}
