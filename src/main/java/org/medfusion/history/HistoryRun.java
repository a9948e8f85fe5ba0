package org.medfusion.history;

import java.nio.file.Path;
import java.util.List;
import org.medfusion.results.CellResult;
import org.medfusion.results.RunManifest;

/**
 * One run of the history: its directory, manifest (start time, git commit, environment) and measured cells.
 */
public record HistoryRun(Path dir, RunManifest manifest, List<CellResult> cells) {

    public HistoryRun {
        cells = List.copyOf(cells);
    }

    public String id() {
        return manifest.runId() != null ? manifest.runId() : dir.getFileName().toString();
    }

    /** The commit shortened to 10 characters, as in asv's tooltips. */
    public String shortCommit() {
        String c = manifest.gitCommit();
        return c == null ? "unknown" : c.length() > 10 ? c.substring(0, 10) : c;
    }

    /** The first 16 characters of the ISO start time ({@code 2026-11-27T13:32}), or "" when unknown. */
    public String startedShort() {
        String s = manifest.startedAt();
        return s == null ? "" : s.length() > 16 ? s.substring(0, 16).replace('T', ' ') : s;
    }

    /** The run's rendered report, whether or not it exists. */
    public Path reportHtml() {
        return dir.resolve("report.html");
    }
}
