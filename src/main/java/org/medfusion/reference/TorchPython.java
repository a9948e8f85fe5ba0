package org.medfusion.reference;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A Python interpreter that imports torch and torchvision: PyTorch as the reference our backbones are checked against.
 * Found explicitly ({@code --python}, {@code -Dmedfusion.python}) or as the first of {@code python3} on PATH and
 * {@code /usr/bin/python3} (Debian's, where {@code python3-torch} installs) that imports both; a PATH {@code python3}
 * is often a pyenv or venv interpreter without torch, so every candidate is asked rather than assumed.
 *
 * @param executable the interpreter
 * @param torchVersion {@code torch.__version__}
 * @param torchvisionVersion {@code torchvision.__version__}
 */
public record TorchPython(String executable, String torchVersion, String torchvisionVersion) {

    /** JVM property naming the interpreter (what {@code --python} sets for tests and forks). */
    public static final String PROPERTY = "medfusion.python";

    private static final String PROBE = "import torch, torchvision; print(torch.__version__, torchvision.__version__)";

    /** What was tried when no interpreter imports torch: one line for an assumption message or a report note. */
    public record NotFound(String why) {
    }

    /**
     * The interpreter: {@code explicit} when given (no fallback: a named interpreter without torch is the answer), else
     * {@code -Dmedfusion.python}, else the first candidate that imports torch and torchvision.
     */
    public static Optional<TorchPython> find(String explicit, List<String> tried) {
        List<String> candidates = new ArrayList<>();
        String prop = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            candidates.add(explicit);
        } else if (prop != null && !prop.isBlank()) {
            candidates.add(prop);
        } else {
            candidates.add("python3");
            candidates.add("/usr/bin/python3");
        }
        Set<String> seen = new LinkedHashSet<>(candidates);
        for (String c : seen) {
            Result r = run(List.of(c, "-c", PROBE), java.util.Map.of(), 120);
            if (r.exit == 0) {
                String[] v = r.stdout.strip().split("\\s+");
                if (v.length >= 2) {
                    return Optional.of(new TorchPython(c, v[0], v[1]));
                }
            }
            tried.add(c + ": " + (r.exit == 127 ? "not found" : lastLine(r.stderr)));
        }
        return Optional.empty();
    }

    /** As {@link #find(String, List)} with no explicit interpreter. */
    public static Optional<TorchPython> find() {
        return find(null, new ArrayList<>());
    }

    /** Of {@code models}, those this torchvision has no builder for (torchvision 0.14 lacks models later ones add). */
    public List<String> missingModels(List<String> models) {
        String code = "import sys, torchvision\nfor m in sys.argv[1:]:\n    if not hasattr(torchvision.models, m): print(m)";
        List<String> cmd = new ArrayList<>(List.of(executable, "-c", code));
        cmd.addAll(models);
        Result r = run(cmd, java.util.Map.of(), 120);
        if (r.exit != 0) {
            throw new IllegalStateException(executable + " could not list torchvision's models: " + lastLine(r.stderr));
        }
        return r.stdout.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Runs {@code script} with {@code args} under this interpreter; a non-zero exit is an exception with its last line. */
    public String runScript(Path script, List<String> args, long timeoutSeconds) {
        return runScript(script, args, java.util.Map.of(), timeoutSeconds);
    }

    /** As {@link #runScript(Path, List, long)}, with {@code env} added to the process environment. */
    public String runScript(Path script, List<String> args, java.util.Map<String, String> env, long timeoutSeconds) {
        List<String> cmd = new ArrayList<>(List.of(executable, script.toString()));
        cmd.addAll(args);
        Result r = run(cmd, env, timeoutSeconds);
        if (r.exit != 0) {
            throw new IllegalStateException(script.getFileName() + " " + String.join(" ", args) + " failed (exit " + r.exit + "): "
                    + lastLine(r.stderr));
        }
        return r.stdout;
    }

    /** {@code torch 1.13.1, torchvision 0.14.1 (/usr/bin/python3)}. */
    public String describe() {
        return "torch " + torchVersion + ", torchvision " + torchvisionVersion + " (" + executable + ")";
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    /** Through the platform's one runner of tools that are not JVMs. */
    private static Result run(List<String> cmd, java.util.Map<String, String> env, long timeoutSeconds) {
        org.medfusion.platform.ExternalCommand.Outcome o = org.medfusion.platform.ExternalCommand.run(cmd, env,
                java.time.Duration.ofSeconds(timeoutSeconds));
        return new Result(o.exit(), o.stdout(), o.stderr());
    }

    private static String lastLine(String s) {
        List<String> lines = s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.isEmpty() ? "(no message)" : lines.get(lines.size() - 1);
    }
}
