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
