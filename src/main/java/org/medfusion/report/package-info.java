/**
 * Results and reporting of the checkpointing benchmark.
 *
 * <p>Layout of a run directory ({@code results/<run-id>/}); every file is written atomically
 * ({@link org.medfusion.report.AtomicFiles}):
 * <pre>
 * manifest.json        RunManifest: run id, config name + sha256, cell list, environment, git commit,
 *                      command line, shard k/n, start/finish timestamps
 * cells/&lt;id&gt;.json      one CellResult per finished cell (CellStore; resume skips these cells)
 * raw.csv              one row per cell, every parameter and metric (RawCsv)
 * memory.csv           peak per segment count and saving % per group (MemoryTable)
 * slowdown.csv         step time median + CI per segment count, increase %, recompute overhead (SlowdownTable)
 * charts/memory.png|svg, charts/slowdown.png|svg, charts/tradeoff.png|svg   (Charts)
 * report.md, report.html   rendered from report-templates/ (ReportRenderer; the HTML is self-contained)
 * </pre>
 * {@link org.medfusion.report.Reporter#render(java.nio.file.Path)} writes everything after manifest.json and
 * cells/; {@link org.medfusion.report.Merger} combines shard directories; {@link org.medfusion.report.Stats}
 * summarizes step-time samples.
 */
package org.medfusion.report;
