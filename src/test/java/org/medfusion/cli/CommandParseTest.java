package org.medfusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.medfusion.checkpoint.Split;
import org.medfusion.results.Device;
import org.medfusion.results.Precision;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Parse-only: every command with good and bad arguments, nothing executed. */
class CommandParseTest {

    static ParseResult parse(String... args) {
        return Main.commandLine().parseArgs(args);
    }

    static <T> T command(ParseResult r, Class<T> type) {
        return type.cast(r.subcommand().commandSpec().userObject());
    }

    static void bad(String... args) {
        assertThrows(ParameterException.class, () -> parse(args), String.join(" ", args));
    }

    @Test
    void run() {
        RunCommand c = command(parse("run", "--config", "zoo-cpu", "--out", "x", "--shard", "1/2", "--keep-errors",
                "--lock-timeout", "5"), RunCommand.class);
        assertEquals("zoo-cpu", c.config);
        assertEquals(Path.of("x"), c.out);
        assertTrue(c.keepErrors);
        assertEquals(5, c.lockTimeout.seconds);
        RunCommand d = command(parse("run"), RunCommand.class);
        assertEquals("smoke", d.config);
        assertFalse(d.keepErrors);
        assertEquals(3600, d.lockTimeout.seconds);
        bad("run", "--lock-timeout", "soon");
        bad("run", "--bogus");
        bad("run", "--config");
    }

    @Test
    void measureAndVerifyShareTheCellOptionsWithTheirOwnDefaults() {
        MeasureCommand m = command(parse("measure", "--model", "resnet18"), MeasureCommand.class);
        assertEquals(16, m.cell.batch);
        assertEquals(112, m.cell.setup.res);
        assertEquals(0, m.cell.segments);
        assertEquals("resnet18_b16_r112_s0_fp32_cpu", m.cell.key().id());
        VerifyCommand v = command(parse("verify", "--model", "resnet18", "--split", "torch"), VerifyCommand.class);
        assertEquals(4, v.cell.batch);
        assertEquals(64, v.cell.setup.res);
        assertEquals(4, v.cell.segments);
        assertEquals(Split.TORCH, v.cell.key().split());
        MeasureCommand full = command(parse("measure", "--model", "vit_b_16", "--batch", "2", "--res", "32", "--segments", "3",
                "--split", "torch", "--precision", "fp32", "--device", "cpu", "--warmup", "1", "--iterations", "6",
                "--memory-forks", "1", "--format", "table", "--out", "o"), MeasureCommand.class);
        assertEquals("vit_b_16_b2_r32_s3_torch_fp32_cpu", full.cell.key().id());
        bad("measure");
        bad("verify");
        bad("measure", "--model", "resnet18", "--batch", "two");
        bad("measure", "--model", "resnet18", "--format", "xml");
        bad("verify", "--model", "resnet18", "--res");
    }

    @Test
    void capacitySharesTheModelSetupOptionsWithItsOwnResolutionDefault() {
        CapacityCommand c = command(parse("capacity", "--model", "resnet18", "--cap", "100MiB"), CapacityCommand.class);
        assertEquals("resnet18", c.setup.model);
        assertEquals(112, c.setup.res);
        assertEquals(Precision.FP32, c.setup.precision);
        assertEquals(Device.CPU, c.setup.device);
        CapacityCommand full = command(parse("capacity", "--model", "vit_b_16", "--res", "32", "--precision", "amp", "--device", "gpu",
                "--cap", "1GiB"), CapacityCommand.class);
        assertEquals(32, full.setup.res);
        assertEquals(Precision.AMP, full.setup.precision);
        assertEquals(Device.GPU, full.setup.device);
        bad("capacity", "--cap", "100MiB");
        bad("capacity", "--model", "resnet18", "--cap", "100MiB", "--res", "big");
    }

    /** The first line a usage error prints (the second is the pointer to --help). */
    private static String usageError(String... args) {
        CliRun r = CliRun.exec(args);
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        return r.err().lines().findFirst().orElse("");
    }

    @Test
    void eachCommandAcceptsTheFormatsItPrintsAndPicocliListsThem() {
        assertEquals(OutputFormat.TABLE, command(parse("verify", "--model", "resnet18", "--format", "TABLE"), VerifyCommand.class).format);
        assertEquals(OutputFormat.JSON, command(parse("plan", "--model", "resnet18", "--budget", "1GiB"), PlanCommand.class).format);
        assertEquals("error: Invalid value for option '--format': expected one of [json, table] but was 'csv'",
                usageError("measure", "--model", "resnet18", "--format", "csv"));
        assertEquals("error: Invalid value for option '--format': expected one of [csv, table] but was 'json'",
                usageError("list-models", "--format", "json"));
        assertEquals("error: Invalid value for option '--format': expected one of [text, json] but was 'table'",
                usageError("gate", "a", "b", "--format", "table"));
        assertEquals("error: Invalid value for option '--format': expected one of [csv, json] but was 'table'",
                usageError("profile", "--model", "resnet18", "--format", "table"));
        assertEquals("error: Invalid value for option '--format': expected one of [text, json] but was 'csv'",
                usageError("libtorch-check", "--format", "csv"));
    }

    @Test
    void precisionAndDeviceAreEnumsInAnyCase() {
        MeasureCommand m = command(parse("measure", "--model", "resnet18", "--precision", "AMP", "--device", "Gpu"), MeasureCommand.class);
        assertEquals(Precision.AMP, m.cell.key().precision());
        assertEquals(Device.GPU, m.cell.key().device());
        assertEquals("error: Invalid value for option '--precision': expected one of [FP32, AMP] (case-insensitive) but was 'fp16'",
                usageError("measure", "--model", "resnet18", "--precision", "fp16"));
        assertEquals("error: Invalid value for option '--device': expected one of [CPU, GPU] (case-insensitive) but was 'tpu'",
                usageError("profile", "--model", "resnet18", "--device", "tpu"));
    }

    @Test
    void theOtherCommands() {
        ListModelsCommand l = command(parse("list-models", "--format", "csv", "--pattern", "resnet*"), ListModelsCommand.class);
        assertEquals("resnet*", l.pattern);
        bad("list-models", "--format", "yaml");
        assertEquals(Path.of("r"), command(parse("report", "r"), ReportCommand.class).runDir);
        bad("report");
        bad("report", "a", "b");
        MergeCommand mg = command(parse("merge", "--out", "m", "a", "b"), MergeCommand.class);
        assertEquals(2, mg.shards.size());
        bad("merge", "a");
        GateCommand g = command(parse("gate", "a", "b", "--memory-tolerance", "1.5"), GateCommand.class);
        assertEquals(1.5, g.memoryTolerance);
        bad("gate"); // one run is fine: the baseline is then picked by environment
        bad("gate", "a", "b", "c");
        bad("gate", "a", "b", "--time-tolerance", "x");
        assertTrue(parse("help", "run").subcommand() != null);
        bad("nonsense-option-only", "--x");
    }

    /** Every help text formats without picocli's "Could not format" warning (an unescaped % in a description). */
    @Test
    void helpTextsFormat() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            CommandLine root = Main.commandLine();
            StringWriter help = new StringWriter();
            root.usage(new PrintWriter(help));
            for (CommandLine sub : root.getSubcommands().values()) {
                sub.usage(new PrintWriter(help));
            }
            assertTrue(help.toString().contains("95% CI"), "%% renders as %");
            assertTrue(help.toString().contains("Batch size (default: 16)"), "measure's default from its provider");
            assertTrue(help.toString().contains("Batch size (default: 4)"), "verify's default from its provider");
            assertTrue(help.toString().contains("growth in % (default: 2"), help.toString());
        } finally {
            System.setErr(original);
        }
        assertFalse(captured.toString(StandardCharsets.UTF_8).contains("Could not format"), captured.toString(StandardCharsets.UTF_8));
    }
}
