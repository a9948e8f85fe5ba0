package org.medfusion.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medfusion.results.MemoryMethod;
import org.medfusion.results.CellKey;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;
import org.medfusion.results.Device;
import org.medfusion.results.Environment;
import org.medfusion.results.Precision;
import org.medfusion.results.RunManifest;
import org.medfusion.results.Stats;

/**
 * Every verdict path of the gate on recorded-style samples: step times drawn around a median with a few percent
 * spread and an occasional 1.4x outlier (what a loaded 2-core VM gives), peaks as bytes.
 */
class RegressionGateTest {

    static final GateOptions DEFAULTS = GateOptions.defaults();
    static final long PLAIN_PEAK = 364_000_000L;
    static final long CKPT_PEAK = 257_000_000L;

    static CellKey key(int s) {
        return new CellKey("resnet50", 16, 112, s, Precision.FP32, Device.CPU);
    }

    /** n step times around {@code median} with coefficient of variation {@code cv}, one in 15 a 1.4x outlier. */
    static List<Double> samples(Random rnd, double median, double cv, int n) {
        List<Double> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double x = median * (1 + cv * rnd.nextGaussian());
            if (rnd.nextInt(15) == 0) {
                x *= 1.4;
            }
            l.add(Math.max(x, median * 0.5));
        }
        return l;
    }

    static CellResult cell(int s, long peak, MemoryMethod method, List<Double> samples) {
        Stats.Summary sum = Stats.summarize(samples);
        return CellResult.builder(key(s), "resnet", CellStatus.OK).peak(peak, method).memoryRepeats(List.of(peak))
                .stepMs(samples, sum).recomputeForwardMs(s == 0 ? null : 100.0).build();
    }

    /**
     * One run: plain and 4 segments. {@code speed} scales every step (machine speed), {@code ckptSlowdown} only the
     * checkpointed step (a regression of ours).
     */
    static List<CellResult> run(long seed, double speed, double ckptSlowdown, double peakGrowth) {
        Random rnd = new Random(seed);
        return List.of(cell(0, PLAIN_PEAK, MemoryMethod.CPU_RSS_PEAK, samples(rnd, 1000 * speed, 0.03, 15)),
                cell(4, Math.round(CKPT_PEAK * peakGrowth), MemoryMethod.CPU_RSS_PEAK,
                        samples(rnd, 1170 * speed * ckptSlowdown, 0.03, 15)));
    }

    static RegressionGate.Verdict compare(List<CellResult> b, List<CellResult> c) {
        return RegressionGate.compare(b, c, true, DEFAULTS);
    }

    static RegressionGate.Result only(RegressionGate.Verdict v, RegressionGate.Check check, int segments) {
        return v.results().stream().filter(r -> r.check() == check && r.key().segments() == segments).findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " result for s" + segments + ": " + v.results()));
    }

    @Test
    void identicalRunsPassEveryCheck() {
        List<CellResult> r = run(1, 1, 1, 1);
        RegressionGate.Verdict v = compare(r, r);
        assertTrue(v.passed(), v.failures().toString());
        assertEquals(2, v.compared());
        assertEquals(RegressionGate.Outcome.PASS, only(v, RegressionGate.Check.TIME_RATIO, 4).outcome());
        assertEquals(RegressionGate.Outcome.PASS, only(v, RegressionGate.Check.MEMORY_SAVING, 4).outcome());
        assertEquals(RegressionGate.Outcome.PASS, only(v, RegressionGate.Check.TIME_ABSOLUTE, 0).outcome());
    }

    /**
     * A/A: the same distribution (15 samples, 3% spread, 1 in 15 a 1.4x outlier), 100 seed pairs. The gate is a
     * statistical test, so the assertion is a rate: at most 2 false alarms in 100.
     */
    @Test
    void sameDistributionPassesAcrossSeeds() {
        int alarms = 0;
        for (int seed = 0; seed < 100; seed++) {
            RegressionGate.Verdict v = compare(run(1000 + seed, 1, 1, 1), run(5000 + seed, 1, 1, 1));
            alarms += v.passed() ? 0 : 1;
        }
        assertTrue(alarms <= 2, "false alarms in 100 A/A pairs: " + alarms);
    }

    /** A machine 10% slower overall: ratios cancel it; absolute times 20% slower fail when gated (same env). */
    @Test
    void machineSpeedCancelsInTheRatio() {
        int alarms = 0;
        for (int seed = 0; seed < 50; seed++) {
            RegressionGate.Verdict v = compare(run(1000 + seed, 1, 1, 1), run(5000 + seed, 1.10, 1, 1));
            alarms += only(v, RegressionGate.Check.TIME_RATIO, 4).outcome() == RegressionGate.Outcome.FAIL ? 1 : 0;
        }
        assertTrue(alarms <= 1, "a uniformly slower machine flagged the ratio " + alarms + " times in 50");
        RegressionGate.Verdict v = compare(run(1, 1, 1, 1), run(2, 1.20, 1, 1));
        assertEquals(RegressionGate.Outcome.FAIL, only(v, RegressionGate.Check.TIME_ABSOLUTE, 0).outcome(),
                "20% slower absolute times, same environment: beyond the 10% absolute effect");
        RegressionGate.Verdict crossEnv = RegressionGate.compare(run(1, 1, 1, 1), run(2, 1.10, 1, 1), false, DEFAULTS);
        assertTrue(crossEnv.passed(), "different environments: absolute times are reported, not gated");
        assertEquals(RegressionGate.Outcome.REPORTED, only(crossEnv, RegressionGate.Check.TIME_ABSOLUTE, 0).outcome());
        GateOptions ratioOnly = new GateOptions(2, 0, 3, 5, 5, 0.01, false, false);
        assertTrue(RegressionGate.compare(run(1, 1, 1, 1), run(2, 1.10, 1, 1), true, ratioOnly).passed());
    }

    /** Injected regression: the checkpointed step 10% slower (plain unchanged) is caught in at least 95 of 100 tries (a rate: an
     * unlucky draw with several 1.4x outliers in the baseline hides it). */
    @Test
    void tenPercentSlowerCheckpointedStepFailsAcrossSeeds() {
        int caught = 0;
        for (int seed = 0; seed < 100; seed++) {
            RegressionGate.Verdict v = RegressionGate.compare(run(1000 + seed, 1, 1, 1), run(5000 + seed, 1, 1.10, 1),
                    false, DEFAULTS);
            RegressionGate.Result r = only(v, RegressionGate.Check.TIME_RATIO, 4);
            if (r.outcome() == RegressionGate.Outcome.FAIL) {
                caught++;
                assertTrue(r.why().contains("Mann-Whitney"), r.why());
            }
        }
        assertTrue(caught >= 95, "10% slowdowns caught: " + caught + " of 100");
    }

    /**
     * A run on a machine whose speed drifts from step to step (load coming and going: each step 1x to 2x slower), with
     * paired plain steps: each checkpointed step and the plain step run just before it see the same speed.
     */
    static List<CellResult> driftingPairedRun(long seed, double ckptSlowdown) {
        Random rnd = new Random(seed);
        List<Double> plain = new ArrayList<>();
        List<Double> ckpt = new ArrayList<>();
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            plain.add(1000 * (1 + rnd.nextDouble()) * (1 + 0.03 * rnd.nextGaussian()));
            double speed = 1 + rnd.nextDouble();
            paired.add(1000 * speed * (1 + 0.03 * rnd.nextGaussian()));
            ckpt.add(1170 * ckptSlowdown * speed * (1 + 0.03 * rnd.nextGaussian()));
        }
        Stats.Summary sum = Stats.summarize(ckpt);
        CellResult c = CellResult.builder(key(4), "resnet", CellStatus.OK).peak(CKPT_PEAK, MemoryMethod.CPU_RSS_PEAK)
                .memoryRepeats(List.of(CKPT_PEAK)).stepMs(ckpt, sum).recomputeForwardMs(100.0).pairedPlainMsSamples(paired).build();
        return List.of(cell(0, PLAIN_PEAK, MemoryMethod.CPU_RSS_PEAK, plain), c);
    }

    /**
     * Paired plain steps: under a drift that swamps the unpaired ratio (each step 1x-2x), the per-step ratios still
     * pass A/A pairs and catch a 10% slower checkpointed step.
     */
    @Test
    void pairedRatiosSurviveStepToStepDrift() {
        int alarms = 0;
        int caught = 0;
        for (int seed = 0; seed < 50; seed++) {
            RegressionGate.Result aa = only(compare(driftingPairedRun(1000 + seed, 1), driftingPairedRun(5000 + seed, 1)),
                    RegressionGate.Check.TIME_RATIO, 4);
            alarms += aa.outcome() == RegressionGate.Outcome.FAIL ? 1 : 0;
            assertTrue(aa.baseline().endsWith("paired"), aa.baseline());
            RegressionGate.Result slow = only(compare(driftingPairedRun(1000 + seed, 1), driftingPairedRun(5000 + seed, 1.10)),
                    RegressionGate.Check.TIME_RATIO, 4);
            caught += slow.outcome() == RegressionGate.Outcome.FAIL ? 1 : 0;
        }
        assertTrue(alarms <= 1, "false alarms in 50 drifting A/A pairs: " + alarms);
        assertTrue(caught >= 48, "10% slowdowns caught under drift: " + caught + " of 50");
        // without the pairs the same drift hides the slowdown most of the time (why the pairs exist)
        int unpairedCaught = 0;
        for (int seed = 0; seed < 50; seed++) {
            List<CellResult> b = unpaired(driftingPairedRun(1000 + seed, 1));
            List<CellResult> c = unpaired(driftingPairedRun(5000 + seed, 1.10));
            unpairedCaught += only(compare(b, c), RegressionGate.Check.TIME_RATIO, 4).outcome() == RegressionGate.Outcome.FAIL ? 1 : 0;
        }
        assertTrue(unpairedCaught < caught, "unpaired " + unpairedCaught + " vs paired " + caught);
    }

    private static List<CellResult> unpaired(List<CellResult> run) {
        return run.stream().map(r -> r.toBuilder().pairedPlainMsSamples(List.of()).build()).toList();
    }

    /** 4 steps per side can never reach p < 0.01: the time checks are reported with the reason, never a silent pass. */
    @Test
    void tooFewStepsForTheRankTestAreReportedNotPassed() {
        assertTrue(SlowdownTest.smallestP(4, 4) >= 0.01, "4 vs 4: " + SlowdownTest.smallestP(4, 4));
        assertTrue(SlowdownTest.smallestP(15, 15) < 0.001, "15 vs 15: " + SlowdownTest.smallestP(15, 15));
        Random rnd = new Random(3);
        List<CellResult> b = List.of(cell(0, PLAIN_PEAK, MemoryMethod.CPU_RSS_PEAK, samples(rnd, 1000, 0.03, 4)),
                cell(4, CKPT_PEAK, MemoryMethod.CPU_RSS_PEAK, samples(rnd, 1170, 0.03, 4)));
        List<CellResult> c = List.of(cell(0, PLAIN_PEAK, MemoryMethod.CPU_RSS_PEAK, samples(rnd, 2000, 0.03, 4)),
                cell(4, CKPT_PEAK, MemoryMethod.CPU_RSS_PEAK, samples(rnd, 4000, 0.03, 4)));
        RegressionGate.Verdict v = compare(b, c);
        for (RegressionGate.Result r : List.of(only(v, RegressionGate.Check.TIME_RATIO, 4),
                only(v, RegressionGate.Check.TIME_ABSOLUTE, 0))) {
            assertEquals(RegressionGate.Outcome.REPORTED, r.outcome(), r.toString());
            assertTrue(r.why().startsWith("4 vs 4 steps: the rank test cannot reach p < 0.01"), r.why());
        }
    }

    @Test
    void slowdownIntervalCoversTheShift() {
        Random rnd = new Random(7);
        SlowdownTest t = SlowdownTest.of(samples(rnd, 100, 0.03, 15), samples(rnd, 110, 0.03, 15), 0.05, 0.01);
        assertTrue(t.slower());
        assertTrue(t.ciLow() < 1.10 && 1.10 < t.ciHigh(), t.toString());
        assertTrue(t.ciLow() > 1.0, "a 10% shift at 3% noise: interval above 1: " + t);
        SlowdownTest again = SlowdownTest.of(samples(new Random(7), 100, 0.03, 15),
                samples(new Random(7), 100, 0.03, 15), 0.05, 0.01);
        assertFalse(again.slower());
        assertEquals(1.0, again.ratio(), 1e-12);
    }

    @Test
    void peakGrowthOfFivePercentFailsAndNoiseDoesNot() {
        RegressionGate.Verdict v = compare(run(1, 1, 1, 1), run(1, 1, 1, 1.05));
        RegressionGate.Result r = only(v, RegressionGate.Check.MEMORY_PEAK, 4);
        assertEquals(RegressionGate.Outcome.FAIL, r.outcome());
        assertEquals("+5.0%", r.change());
        assertTrue(compare(run(1, 1, 1, 1), run(1, 1, 1, 1.01)).passed(), "+1% is within 2%");
    }

    @Test
    void smallPeakGrowthWithinTheFloorPasses() {
        // an idle A/A pair of one build: mobilenet_v3_large s0, b4 64 px, 24.9 -> 25.7 MiB (+3.2 %, 0.8 MiB)
        long before = 26_087_424L;
        long after = 26_927_104L;
        List<CellResult> b = List.of(cell(0, before, MemoryMethod.CPU_RSS_PEAK, samples(new Random(3), 80, 0.03, 10)));
        List<CellResult> c = List.of(cell(0, after, MemoryMethod.CPU_RSS_PEAK, b.get(0).stepMsSamples()));
        RegressionGate.Result r = only(RegressionGate.compare(b, c, true, DEFAULTS), RegressionGate.Check.MEMORY_PEAK, 0);
        assertEquals(RegressionGate.Outcome.PASS, r.outcome());
        assertEquals("grew 0.8 MiB, within the 2.0 MiB floor", r.why());
        // the same growth fails without a floor, and a growth beyond both limits fails with it
        GateOptions noFloor = new GateOptions(2, 0, 3, 5, 10, 0.01, false, true);
        assertEquals(RegressionGate.Outcome.FAIL, only(RegressionGate.compare(b, c, true, noFloor), RegressionGate.Check.MEMORY_PEAK, 0).outcome());
        List<CellResult> grown = List.of(cell(0, before + 3 * 1_048_576L, MemoryMethod.CPU_RSS_PEAK, b.get(0).stepMsSamples()));
        RegressionGate.Result big = only(RegressionGate.compare(b, grown, true, DEFAULTS), RegressionGate.Check.MEMORY_PEAK, 0);
        assertEquals(RegressionGate.Outcome.FAIL, big.outcome());
        assertEquals("peak grew beyond 2.0% and 2.0 MiB", big.why());
    }

    @Test
    void memoryFloorParsesSizesAndRejectsOthers() {
        assertEquals(2_097_152L, GateOptions.memoryFloor("2MiB"));
        assertEquals(0L, GateOptions.memoryFloor("0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GateOptions.memoryFloor("two"));
        assertEquals("--memory-floor must be bytes or a size such as 150MiB, 1.5GiB or 200MB, got 'two'", e.getMessage());
    }

    @Test
    void shrunkSavingFails() {
        List<CellResult> b = run(1, 1, 1, 1);
        // the plain cell got leaner by 10%: the checkpointed peak is unchanged but the saving shrank by a third
        CellResult leanPlain = cell(0, Math.round(PLAIN_PEAK * 0.9), MemoryMethod.CPU_RSS_PEAK, b.get(0).stepMsSamples());
        RegressionGate.Verdict v = compare(b, List.of(leanPlain, b.get(1)));
        assertEquals(RegressionGate.Outcome.FAIL, only(v, RegressionGate.Check.MEMORY_SAVING, 4).outcome());
    }

    @Test
    void vanishedOrChangedFiguresFail() {
        List<CellResult> b = run(1, 1, 1, 1);
        CellResult c = b.get(1);
        CellResult noPeak = c.toBuilder().memory(CellResult.Memory.NONE).build();
        RegressionGate.Result r = only(compare(b, List.of(b.get(0), noPeak)), RegressionGate.Check.MEMORY_PEAK, 4);
        assertEquals(RegressionGate.Outcome.FAIL, r.outcome());
        assertTrue(r.why().contains("vanished"), r.why());

        CellResult otherMethod = c.toBuilder().peak(c.peakBytes(), MemoryMethod.CUDA_RESERVED_PEAK).build();
        r = only(compare(b, List.of(b.get(0), otherMethod)), RegressionGate.Check.MEMORY_PEAK, 4);
        assertEquals(RegressionGate.Outcome.FAIL, r.outcome());
        assertTrue(r.why().contains("method changed"), r.why());

        CellResult noTime = c.toBuilder().timing(CellResult.Timing.NONE).build();
        RegressionGate.Verdict v = compare(b, List.of(b.get(0), noTime));
        assertEquals(RegressionGate.Outcome.FAIL, only(v, RegressionGate.Check.TIME_RATIO, 4).outcome());
        assertEquals(RegressionGate.Outcome.FAIL, only(v, RegressionGate.Check.TIME_ABSOLUTE, 4).outcome());
    }

    @Test
    void lostOrFailedCellsFail() {
        List<CellResult> b = run(1, 1, 1, 1);
        CellResult oom = CellResult.failed(key(4), "resnet", CellStatus.OOM, "out of memory in the memory run");
        RegressionGate.Result r = only(compare(b, List.of(b.get(0), oom)), RegressionGate.Check.STATUS, 4);
        assertEquals(RegressionGate.Outcome.FAIL, r.outcome());
        assertEquals("oom", r.candidate());
        r = only(compare(b, List.of(b.get(0))), RegressionGate.Check.STATUS, 4);
        assertEquals("absent", r.candidate());
    }

    @Test
    void refusesNothingComparedAndDifferentConfigs() {
        CellResult err = CellResult.failed(key(0), "resnet", CellStatus.ERROR, "boom");
        GateRefusedException e = assertThrows(GateRefusedException.class,
                () -> compare(List.of(err), run(1, 1, 1, 1)));
        assertTrue(e.getMessage().contains("0 cells compared is not a pass"), e.getMessage());

        // two runs of disjoint cells: refused, never "1 cells compared ... ok -> absent"
        List<CellResult> other = run(1, 1, 1, 1).stream().map(c -> c.toBuilder().key(new CellKey("resnet18",
                c.key().batch(), c.key().res(), c.key().segments(), c.key().split(), c.key().precision(), c.key().device(),
                c.key().accumulation())).build()).toList();
        e = assertThrows(GateRefusedException.class, () -> compare(run(1, 1, 1, 1), other));
        assertTrue(e.getMessage().startsWith("nothing to compare: no cell is in both runs"), e.getMessage());

        List<CellResult> cells = run(1, 1, 1, 1);
        RegressionGate.Run a = new RegressionGate.Run(Path.of("a"), manifest("cfg a", cells), cells);
        RegressionGate.Run b = new RegressionGate.Run(Path.of("b"), manifest("cfg b", cells), cells);
        e = assertThrows(GateRefusedException.class, () -> RegressionGate.evaluate(a, b, DEFAULTS));
        assertTrue(e.getMessage().startsWith("the runs used different configs: a has sha256:"), e.getMessage());
        GateOptions allow = new GateOptions(2, 0, 3, 5, 5, 0.01, true, true);
        assertTrue(RegressionGate.evaluate(a, b, allow).passed());
        RegressionGate.Run noManifest = new RegressionGate.Run(Path.of("c"), null, cells);
        assertThrows(GateRefusedException.class, () -> RegressionGate.evaluate(a, noManifest, DEFAULTS));
    }

    @Test
    void badTolerancesAreUsageErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GateOptions(Double.NaN, 0, 10, 5, 5, 0.01, false, true));
        assertEquals("--memory-tolerance must be a finite number of percent >= 0, got NaN", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GateOptions(2, 0, -1, 5, 5, 0.01, false, true));
        assertThrows(IllegalArgumentException.class, () -> new GateOptions(2, 0, 3, 5, 5, 1.5, false, true));
    }

    static RunManifest manifest(String config, List<CellResult> cells) {
        return RunManifest.builder().runId("r").configName("smoke").configHash(RunManifest.hash(config))
                .cells(cells.stream().map(CellResult::key).toList())
                .environment(new Environment("cpu", 2, null, "none", "none", "none", "jvm", "os", "0.36.0", "2.7.1"))
                .gitCommit("unknown").commandLine("run").startedAt("2026-11-27T06:00:00Z").build();
    }
}
