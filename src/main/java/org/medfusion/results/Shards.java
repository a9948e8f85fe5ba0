package org.medfusion.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deterministic sharding of a cell matrix for {@code run --shard k/n} (Slurm arrays, Kubernetes indexed Jobs).
 *
 * <p>The cells are sorted by {@link CellKey#ORDER} and grouped by {@link CellKey#plain()} (same model, batch,
 * resolution, precision, device): the plain cell and its checkpointed cells always land in the same shard, so
 * every saving and slowdown is computed from cells measured on one machine in one run. Group i (0-based, in
 * that order) goes to shard {@code (i mod n) + 1}. The same matrix and n give the same split on every machine.
 *
 * <p>{@code --shard auto} takes k/n from the scheduler that started the process ({@link #auto}).
 */
public final class Shards {

    private static final Pattern SPEC = Pattern.compile("\\s*(\\d+)\\s*/\\s*(\\d+)\\s*");

    /** One shard, 1-based: {@code 1 <= k <= n}. */
    public record Shard(int k, int n) {
        public Shard {
            if (n < 1 || k < 1 || k > n) {
                throw new IllegalArgumentException("--shard must be k/n with 1 <= k <= n, got " + k + "/" + n);
            }
        }

        @Override
        public String toString() {
            return k + "/" + n;
        }
    }

    private Shards() {
    }

    /** Parses {@code k/n}; IllegalArgumentException with a message such as "--shard must be k/n ...". */
    public static Shard parse(String spec) {
        Matcher m = spec == null ? null : SPEC.matcher(spec);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("--shard must be k/n with 1 <= k <= n, got " + spec);
        }
        try {
            return new Shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard must be k/n with 1 <= k <= n, got " + spec);
        }
    }

    /** Environment variables {@link #auto} reads. */
    public static final String SHARD_VAR = "MEDFUSION_SHARD";
    public static final String COUNT_VAR = "MEDFUSION_SHARD_COUNT";

    /** {@code auto} resolves through {@link #auto}; anything else is parsed as {@code k/n}. */
    public static Shard resolve(String spec, Map<String, String> env) {
        return spec != null && spec.trim().equalsIgnoreCase("auto") ? auto(env) : parse(spec);
    }

    /**
     * The shard this process should measure, from its environment, first match wins:
     * <ol>
     * <li>{@code MEDFUSION_SHARD=k/n}: explicit, for CI matrices (GitHub Actions, GitLab {@code parallel:}).</li>
     * <li>Slurm job arrays: {@code SLURM_ARRAY_TASK_ID} with {@code SLURM_ARRAY_TASK_MIN}, {@code _MAX} and
     * {@code _STEP} (default 1) give k = (id - min) / step + 1 and n = (max - min) / step + 1, so
     * {@code --array=0-3} and {@code --array=1-4} both give shards 1..4; {@code SLURM_ARRAY_TASK_COUNT}, when
     * set, must agree (an array with gaps such as {@code --array=1,3,7} cannot be mapped to shards).</li>
     * <li>Kubernetes Indexed Jobs: {@code JOB_COMPLETION_INDEX} (0-based) gives k = index + 1; Kubernetes does
     * not export the completion count, so the Job's manifest must set {@code MEDFUSION_SHARD_COUNT} (or
     * {@code JOB_COMPLETIONS}) to its {@code spec.completions}.</li>
     * </ol>
     *
     * @throws IllegalArgumentException one line naming the variable that is missing or bad
     */
    public static Shard auto(Map<String, String> env) {
        String explicit = env.get(SHARD_VAR);
        if (explicit != null && !explicit.isBlank()) {
            Matcher m = SPEC.matcher(explicit);
            if (!m.matches()) {
                throw new IllegalArgumentException(SHARD_VAR + " must be k/n with 1 <= k <= n, got " + explicit);
            }
            return shard(SHARD_VAR + "=" + explicit, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }
        if (env.containsKey("SLURM_ARRAY_TASK_ID")) {
            return slurm(env);
        }
        if (env.containsKey("JOB_COMPLETION_INDEX")) {
            long index = number(env, "JOB_COMPLETION_INDEX");
            String countVar = env.containsKey(COUNT_VAR) ? COUNT_VAR : env.containsKey("JOB_COMPLETIONS") ? "JOB_COMPLETIONS" : null;
            if (countVar == null) {
                throw new IllegalArgumentException("--shard auto: JOB_COMPLETION_INDEX is set but not the shard count;"
                        + " set " + COUNT_VAR + " to the Job's spec.completions in its manifest");
            }
            return shard("JOB_COMPLETION_INDEX=" + index + " of " + countVar, index + 1, number(env, countVar));
        }
        throw new IllegalArgumentException("--shard auto found no shard in the environment: set " + SHARD_VAR
                + "=k/n, run as a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job"
                + " (JOB_COMPLETION_INDEX with " + COUNT_VAR + ")");
    }

    private static Shard slurm(Map<String, String> env) {
        long id = number(env, "SLURM_ARRAY_TASK_ID");
        long min = number(env, "SLURM_ARRAY_TASK_MIN");
        long max = number(env, "SLURM_ARRAY_TASK_MAX");
        long step = env.containsKey("SLURM_ARRAY_TASK_STEP") ? number(env, "SLURM_ARRAY_TASK_STEP") : 1;
        if (step < 1 || max < min || id < min || id > max || (id - min) % step != 0 || (max - min) % step != 0) {
            throw new IllegalArgumentException("--shard auto: Slurm array task " + id + " is not on the range " + min
                    + "-" + max + ":" + step + " (SLURM_ARRAY_TASK_ID/_MIN/_MAX/_STEP)");
        }
        long n = (max - min) / step + 1;
        if (env.containsKey("SLURM_ARRAY_TASK_COUNT") && number(env, "SLURM_ARRAY_TASK_COUNT") != n) {
            throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_COUNT=" + env.get("SLURM_ARRAY_TASK_COUNT")
                    + " but the range " + min + "-" + max + ":" + step + " has " + n
                    + " tasks; use a plain range such as --array=0-" + (n - 1));
        }
        return shard("SLURM_ARRAY_TASK_ID=" + id, (id - min) / step + 1, n);
    }

    private static long number(Map<String, String> env, String var) {
        String v = env.get(var);
        if (v == null) {
            throw new IllegalArgumentException("--shard auto: " + var + " is not set");
        }
        try {
            long x = Long.parseLong(v.trim());
            if (x < 0) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard auto: " + var + " must be a non-negative integer, got " + v);
        }
    }

    private static Shard shard(String source, long k, long n) {
        if (n < 1 || k < 1 || k > n || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--shard auto: " + source + " gives shard " + k + "/" + n
                    + ", allowed is 1 <= k <= n");
        }
        return new Shard((int) k, (int) n);
    }

    /** The cells of shard k of n, in {@link CellKey#ORDER}. */
    public static List<CellKey> select(List<CellKey> cells, int k, int n) {
        new Shard(k, n); // validates
        Map<CellKey, List<CellKey>> groups = new LinkedHashMap<>();
        cells.stream().distinct().sorted(CellKey.ORDER)
                .forEach(c -> groups.computeIfAbsent(c.plain(), g -> new ArrayList<>()).add(c));
        List<CellKey> out = new ArrayList<>();
        int i = 0;
        for (List<CellKey> g : groups.values()) {
            if (i % n == k - 1) {
                out.addAll(g);
            }
            i++;
        }
        return out;
    }

    public static List<CellKey> select(List<CellKey> cells, Shard shard) {
        return select(cells, shard.k(), shard.n());
    }
}
