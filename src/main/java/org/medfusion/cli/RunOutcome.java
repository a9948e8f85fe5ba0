package org.medfusion.cli;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medfusion.results.CellResult;
import org.medfusion.results.CellStatus;

/**
 * What a finished {@code run} tells CI: its exit code and its closing lines, from the run's cells.
 * <ul>
 * <li>{@link ExitCodes#ERROR} (4) when any cell is {@code error} or {@code crash}: the measurement failed;</li>
 * <li>{@link ExitCodes#DATA} (3) otherwise, when any cell is {@code unsupported}, or there are no cells: the
 * environment could not measure what was asked (every cell unsupported: no GPU, mixed precision);</li>
 * <li>{@link ExitCodes#OK} (0) only when every cell is a result ({@code ok}, {@code oom}).</li>
 * </ul>
 */
record RunOutcome(int exitCode, List<String> lines) {

    static RunOutcome of(List<CellResult> cells) {
        Map<CellStatus, Integer> counts = new EnumMap<>(CellStatus.class);
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (CellResult c : cells) {
            counts.merge(c.status(), 1, Integer::sum);
            if (c.status() != CellStatus.OK) {
                String why = c.status().label() + ": " + (c.message() == null ? "(no message)" : c.message());
                groups.computeIfAbsent(why, k -> new ArrayList<>()).add(c.key().id());
            }
        }
        int code;
        if (counts.containsKey(CellStatus.ERROR) || counts.containsKey(CellStatus.CRASH)) {
            code = ExitCodes.ERROR;
        } else if (cells.isEmpty() || counts.containsKey(CellStatus.UNSUPPORTED)) {
            code = ExitCodes.DATA;
        } else {
            code = ExitCodes.OK;
        }
        List<String> lines = new ArrayList<>();
        StringBuilder head = new StringBuilder("cells: " + cells.size());
        for (CellStatus s : CellStatus.values()) {
            head.append(", ").append(counts.getOrDefault(s, 0)).append(' ').append(s.label());
        }
        lines.add(head.toString());
        groups.forEach((why, ids) -> lines.add("  " + ids.size() + " " + why + " [" + String.join(", ", ids) + "]"));
        return new RunOutcome(code, List.copyOf(lines));
    }
}
