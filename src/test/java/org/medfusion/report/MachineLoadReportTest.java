package org.medfusion.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.results.CellStore;
import org.medfusion.platform.CpuTicks;
import org.medfusion.results.Fixtures;
import org.medfusion.results.RunManifest;

/**
 * The machine load of a run: recorded in the manifest at start and end (read back; older manifests have none), shown
 * in the environment table, and, when it exceeded the cores, stated beside the step times.
 */
class MachineLoadReportTest {

    static RunManifest withLoad(List<Double> start, List<Double> end) {
        RunManifest m = Fixtures.manifest(Fixtures.run(), null);
        return m.toBuilder().load(new RunManifest.MachineLoad(start, end, null, null)).build();
    }

    @Test
    void startCapturesTheLoadAndItReadsBack(@TempDir Path dir) {
        RunManifest started = RunManifest.start("r", "smoke", "x", List.of(), "cmd", null, Fixtures.env());
        if (Files.isReadable(Path.of("/proc/loadavg"))) {
            assertEquals(3, started.loadAtStart().size(), started.loadAtStart().toString());
            assertEquals(3, started.finished().loadAtEnd().size());
        }
        started.finished().write(dir);
        assertEquals(started.loadAtStart(), RunManifest.read(dir).loadAtStart());
        Fixtures.manifest(Fixtures.run(), null).write(dir);
        assertTrue(RunManifest.read(dir).loadAtStart().isEmpty(), "no load recorded: empty, never invented");
        assertNull(RunManifest.read(dir).peakLoad());
    }

    @Test
    void busyRunSaysSoBesideTheStepTimes(@TempDir Path run) throws Exception {
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        int cores = Fixtures.env().cores();
        withLoad(List.of(cores + 5.5, 3.0, 2.0), List.of(1.0, 2.0, 2.0)).write(run);
        Reporter.Rendered r = Reporter.render(run);
        String md = Files.readString(r.reportMd());
        String time = md.substring(md.indexOf("## Time"), md.indexOf("## Charts"));
        assertTrue(time.contains("Step times measured on a busy machine: 1-minute load average up to "
                + String.format(java.util.Locale.ROOT, "%.2f", cores + 5.5) + " on " + cores + " cores"), time);
        assertTrue(md.contains("| machine load | 1/5/15-minute load averages at start "), md);
        assertTrue(Files.readString(r.reportHtml()).contains("id=\"machine-load\""));

        withLoad(List.of(0.5, 0.5, 0.5), List.of(0.7, 0.6, 0.5)).write(run);
        String quiet = Files.readString(Reporter.render(run).reportMd());
        assertFalse(quiet.contains("Step times measured on a busy machine"), "an idle machine gets no warning");
    }

    @Test
    void cellsWhoseStepsSpreadAreNamedBesideTheStepTimes(@TempDir Path run) throws Exception {
        List<org.medfusion.results.CellResult> cells = new java.util.ArrayList<>(Fixtures.run());
        assertNull(ReportRenderer.spreadNote(cells), "the fixture's steps spread by about 1 %");
        org.medfusion.results.CellResult c = cells.get(0);
        List<Double> bursty = List.of(100.0, 101.0, 99.0, 100.0, 150.0, 100.0, 98.0, 102.0, 100.0);
        cells.set(0, c.toBuilder().stepMsSamples(bursty).stepMs(100.0, 99.0, 101.0).message(null).build());
        String note = ReportRenderer.spreadNote(cells);
        assertTrue(note.startsWith("1 of " + cells.stream().filter(x -> x.stepMsSamples() != null && x.stepMsSamples().size() > 1).count()
                + " timed cells have a step CV above 5 %: " + c.key().id() + " 15.8 %."), note);
        cells.forEach(x -> CellStore.save(run, x));
        Fixtures.manifest(cells, null).write(run);
        Reporter.Rendered r = Reporter.render(run);
        String md = Files.readString(r.reportMd());
        assertTrue(md.substring(md.indexOf("## Time"), md.indexOf("## Charts")).contains(note), md);
        assertTrue(Files.readString(r.reportHtml()).contains("id=\"step-spread\""));
    }

    @Test
    void fewerThreadsThanCoresAreStatedBesideTheStepTimes(@TempDir Path run) throws Exception {
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        int cores = Fixtures.env().cores();
        Fixtures.manifest(Fixtures.run(), null).withIntraOpThreads(1).write(run);
        String md = Files.readString(Reporter.render(run).reportMd());
        String time = md.substring(md.indexOf("## Time"), md.indexOf("## Charts"));
        if (cores > 1) {
            assertTrue(time.contains("Step times measured with 1 libtorch intra-op thread per fork on " + cores + " cores"), time);
        }
        assertTrue(md.contains("| libtorch threads | 1 intra-op thread(s) per measuring fork"), md);
        Fixtures.manifest(Fixtures.run(), null).withIntraOpThreads(cores).write(run);
        assertFalse(Files.readString(Reporter.render(run).reportMd()).contains("Step times measured with"), "full width: no note");
        Fixtures.manifest(Fixtures.run(), null).write(run);
        assertTrue(Files.readString(Reporter.render(run).reportMd()).contains("| libtorch threads | unknown |"), "older manifests: unknown");
    }

    @Test
    void hostStealIsRecordedAndStatedBesideTheStepTimes(@TempDir Path run) throws Exception {
        assertEquals(new CpuTicks(1000L, 30L), CpuTicks.parse("cpu  600 0 200 150 10 5 5 30 0 0"));
        assertNull(CpuTicks.parse("intr 1 2 3"));
        RunManifest started = RunManifest.start("r", "smoke", "x", List.of(), "cmd", null, Fixtures.env());
        if (Files.isReadable(Path.of("/proc/stat"))) {
            assertNotNull(started.load().cpuTicksAtStart(), started.load().toString());
            assertTrue(started.finished().stealPercent() == null || started.finished().stealPercent() >= 0);
        }
        Fixtures.run().forEach(c -> CellStore.save(run, c));
        RunManifest m = withLoad(List.of(), List.of());
        m.toBuilder().load(new RunManifest.MachineLoad(List.of(), List.of(), new CpuTicks(10_000L, 100L), new CpuTicks(20_000L, 600L))).build().write(run);
        assertEquals(5.0, RunManifest.read(run).stealPercent(), 1e-9);
        String md = Files.readString(Reporter.render(run).reportMd());
        String time = md.substring(md.indexOf("## Time"), md.indexOf("## Charts"));
        assertTrue(time.contains("The host took 5.0 % of this machine's CPU time during the run (steal)"), time);
        assertTrue(md.contains("| host steal | 5.0 % of the machine's CPU time during the run"), md);
        m.write(run);
        String older = Files.readString(Reporter.render(run).reportMd());
        assertTrue(older.contains("| host steal | not recorded |"), "older manifests: not recorded");
        assertFalse(older.contains("The host took"), older);
    }
}
