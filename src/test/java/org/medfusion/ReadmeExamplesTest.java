package org.medfusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.medfusion.cli.Main;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Compiles and runs every {@code // example: <name>} Java block of the seed guide's examples page
 * ({@code docs/seed-examples.md}, linked from README.md), so the examples cannot rot: each block's imports go to the
 * top of a class, the rest becomes its {@code run()} method; the block runs with its sizes shrunk ({@link #SHRINK})
 * and its printed output must show what the example claims. Also keeps the manual's commands true: every command line
 * of a code block of README.md and docs/*.md parses with the CLI as written, and README's command table names every
 * subcommand and every option.
 */
class ReadmeExamplesTest {

    static final Path README = Path.of("README.md");
    /** Where the examples live; README.md links it. */
    static final Path EXAMPLES = Path.of("docs/seed-examples.md");
    static final Path DOCS = Path.of("docs");
    /** A command line of the tool in a code block: the jar or the air-gapped bundle's launcher, then its arguments. */
    static final Pattern COMMAND = Pattern.compile("(?:java -jar target/benchmarks\\.jar|bin/medfusion-bench)(?=\\s|$)([^#\\n]*)");
    static final Pattern FENCE = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL);
    static final Pattern BLOCK = Pattern.compile("```java\\n// example: ([a-z0-9-]+)\\n(.*?)```", Pattern.DOTALL);
    static final String NUMBER = "(-?[0-9]+\\.[0-9]+|NaN|-?Infinity)";

    /** The only rewrites: tiny sizes and models so that the suite stays fast (the examples page says so). */
    static final Map<Pattern, String> SHRINK = Map.of(
            Pattern.compile("\\bres = \\d+"), "res = 32",
            Pattern.compile("\\bbatch = \\d+"), "batch = 8",
            Pattern.compile("\"resnet(50|101|152)\""), "\"resnet18\"");

    /** What each example must print (every line, in order, matched in full). */
    static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("basic-use", List.of("step 0 loss " + NUMBER + " \\(4 segments\\)", "step 1 loss " + NUMBER + " \\(4 segments\\)"));
        EXPECTED.put("custom-segments", List.of("resnet18 segments 8, vit_b_16 segments 12"));
        EXPECTED.put("disabling", List.of("checkpointing enabled: false"));
        EXPECTED.put("scenario-oom", List.of("trained one step, loss " + NUMBER + "; Memory: cpu resident [0-9.]+ [MG]iB \\(peak [0-9.]+ [MG]iB\\).*"));
        EXPECTED.put("scenario-larger-batch", List.of("resnet18 batch 8 loss " + NUMBER, "resnet18 batch 8 loss " + NUMBER));
        EXPECTED.put("scenario-multi-view", List.of("multi-view loss " + NUMBER));
        EXPECTED.put("amp", List.of("amp step 0 loss " + NUMBER + " scale [1-9][0-9]*( skipped)?",
                "amp step 1 loss " + NUMBER + " scale [1-9][0-9]*( skipped)?"));
        EXPECTED.put("config-file", List.of("resnet50 feature_dim 128, checkpointing true \\(4 segments\\), use_amp true, batch_size 32"));
        EXPECTED.put("dynamic", List.of("validation logits differ by 0\\.0; next training loss " + NUMBER));
        EXPECTED.put("memory-monitoring", List.of("Memory: cpu resident [0-9.]+ [MG]iB \\(peak [0-9.]+ [MG]iB\\).*",
                "Memory: cpu resident [0-9.]+ [MG]iB \\(peak [0-9.]+ [MG]iB\\).*"));
    }

    record Example(String name, String code) {
    }

    static List<Example> examples() throws IOException {
        List<Example> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(EXAMPLES));
        while (m.find()) {
            out.add(new Example(m.group(1), m.group(2)));
        }
        return out;
    }

    @Test
    void everyExampleOfTheGuideIsOnItsPageAndChecked() throws IOException {
        assertEquals(List.copyOf(EXPECTED.keySet()), examples().stream().map(Example::name).toList(),
                EXAMPLES + "'s '// example:' blocks and this test's expectations must name the same examples, in order");
    }

    @Test
    void theReadmeLinksTheExamplesAndTheirShrunkSizesAreTheTests() throws IOException {
        assertTrue(Files.readString(README).contains("(" + EXAMPLES + ")"), "README.md must link " + EXAMPLES);
        String page = Files.readString(EXAMPLES);
        String res = shrunkTo("res");
        String batch = shrunkTo("batch");
        assertTrue(page.contains("`res = ...` becomes " + res + " px") && page.contains("`batch = ...` " + batch),
                EXAMPLES + " must state the sizes the test shrinks to (" + res + " px, batch " + batch + ")");
    }

    /** The manual's pages: README.md and every page under docs/. */
    static List<Path> manualPages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(README));
        try (Stream<Path> docs = Files.list(DOCS)) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** The arguments of a command line as a shell would split them (quotes removed), up to {@code &&}, a pipe or a redirect. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        Matcher w = Pattern.compile("'([^']*)'|\"([^\"]*)\"|(\\S+)").matcher(line);
        while (w.find()) {
            String word = w.group(1) != null ? w.group(1) : w.group(2) != null ? w.group(2) : w.group(3);
            if (w.group(3) != null && List.of("&&", "||", "|", ";", ">", "2>").contains(word)) {
                break;
            }
            words.add(word);
        }
        return words;
    }

    @Test
    void everyCommandInTheManualsCodeBlocksParsesAsWritten() throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Path page : manualPages()) {
            Matcher block = FENCE.matcher(Files.readString(page));
            while (block.find()) {
                Matcher c = COMMAND.matcher(block.group(1));
                while (c.find()) {
                    List<String> args = shellWords(c.group(1));
                    CommandLine cli = Main.commandLine(); // as the jar parses (enum values in any case)
                    if (!args.isEmpty() && !cli.getSubcommands().containsKey(args.get(0))) {
                        continue; // passed to JMH's own runner
                    }
                    checked++;
                    try {
                        cli.parseArgs(args.toArray(String[]::new));
                    } catch (CommandLine.ParameterException ex) {
                        failures.add(page + ": '" + c.group().strip() + "': " + ex.getMessage());
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), "commands of the manual that the CLI rejects:\n" + String.join("\n", failures));
        assertTrue(checked >= 10, "expected the manual's code blocks to hold commands, found " + checked);
    }

    @Test
    void theReadmesCommandTableNamesEverySubcommandAndOption() throws IOException {
        List<String> rows = Files.readString(README).lines().filter(l -> l.startsWith("| `")).toList();
        List<String> missing = new ArrayList<>();
        checkTable(Main.commandLine(), "", rows, missing);
        assertTrue(missing.isEmpty(), "README's command table lacks:\n" + String.join("\n", missing));
    }

    /** Each leaf command needs a row starting with its name that names each of its options (any alias). */
    static void checkTable(CommandLine cl, String path, List<String> rows, List<String> missing) {
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            String name = path.isEmpty() ? sub.getKey() : path + " " + sub.getKey();
            if (!sub.getValue().getSubcommands().isEmpty()) {
                checkTable(sub.getValue(), name, rows, missing);
                continue;
            }
            String row = rows.stream().filter(r -> r.startsWith("| `" + name + " ") || r.startsWith("| `" + name + "`")).findFirst().orElse(null);
            if (row == null) {
                missing.add("a row for '" + name + "'");
                continue;
            }
            for (OptionSpec o : sub.getValue().getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                boolean named = List.of(o.names()).stream().anyMatch(n -> Pattern.compile(Pattern.quote(n) + "(?![A-Za-z0-9-])").matcher(row).find());
                if (!named) {
                    missing.add("'" + name + "': " + String.join(" / ", o.names()));
                }
            }
        }
    }

    /** The value {@link #SHRINK} gives {@code name = ...}. */
    static String shrunkTo(String name) {
        return SHRINK.values().stream().filter(v -> v.startsWith(name + " = ")).map(v -> v.substring(name.length() + 3)).findFirst().orElseThrow();
    }

    @TestFactory
    Stream<DynamicTest> examplesCompileRunAndPrintWhatTheyClaim(@TempDir Path work) throws IOException {
        return examples().stream().filter(e -> EXPECTED.containsKey(e.name()))
                .map(e -> DynamicTest.dynamicTest(e.name(), () -> check(e, work.resolve(e.name()))));
    }

    static void check(Example e, Path dir) throws Exception {
        List<String> lines = List.of(run(e, dir).split("\\R"));
        List<String> expected = EXPECTED.get(e.name());
        assertEquals(expected.size(), lines.size(), e.name() + " printed:\n" + String.join("\n", lines));
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(lines.get(i).matches(expected.get(i)), e.name() + " line " + (i + 1) + ": '" + lines.get(i) + "' does not match " + expected.get(i));
            Matcher loss = Pattern.compile("loss " + NUMBER).matcher(lines.get(i));
            while (loss.find()) {
                assertTrue(Float.isFinite(Float.parseFloat(loss.group(1))), e.name() + ": loss not finite: " + lines.get(i));
            }
        }
    }

    /** Compiles the example as class {@code Example} and runs it; returns what it printed. */
    static String run(Example e, Path dir) throws Exception {
        String code = e.code();
        for (Map.Entry<Pattern, String> s : SHRINK.entrySet()) {
            code = s.getKey().matcher(code).replaceAll(s.getValue());
        }
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : code.split("\\R")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        String source = imports + "\npublic class Example {\n    public static void run() throws Exception {\n" + body + "    }\n}\n";
        Path src = dir.resolve("src/Example.java");
        Path classes = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-proc:none", "-classpath", testClassPath(), "-d", classes.toString(), src.toString());
        assertEquals(0, rc, e.name() + " does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8) + "\n" + source);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader());
                PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            loader.loadClass("Example").getMethod("run").invoke(null);
        } catch (InvocationTargetException ex) {
            throw new AssertionError(e.name() + " failed: " + ex.getCause(), ex.getCause());
        } finally {
            System.setOut(original);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        original.print("[" + e.name() + "]\n" + out);
        return out.strip();
    }

    /** Surefire may put only a manifest jar on java.class.path; it names the real test classpath here. */
    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path", "") + File.pathSeparator + "target/classes";
    }
}
