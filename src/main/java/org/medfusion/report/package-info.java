/**
 * The published report of a run: tables, charts and templates, rendered from the stored cells
 * ({@link org.medfusion.results.StoredCells}) into the run directory:
 * <pre>
 * memory.csv           peak per segment count and saving % per group (MemoryTable)
 * slowdown.csv         step time median + CI per segment count, increase %, recompute overhead (SlowdownTable)
 * charts/memory.png|svg, charts/slowdown.png|svg, charts/tradeoff.png|svg   (Charts)
 * report.md, report.html   rendered from report-templates/ (ReportRenderer; the HTML is self-contained)
 * </pre>
 * {@link org.medfusion.report.Reporter#render(java.nio.file.Path)} writes everything after manifest.json, cells/
 * and raw.csv.
 */
package org.medfusion.report;
