/**
 * The results model and its storage: what one cell of a matrix is ({@link org.medfusion.results.CellKey}), what was
 * measured for it ({@link org.medfusion.results.CellResult}, {@link org.medfusion.results.CellStatus}), and the
 * run directory that holds it.
 *
 * <p>Layout of a run directory ({@code results/<run-id>/}); every file is written atomically
 * ({@link org.medfusion.platform.AtomicFiles}):
 * <pre>
 * manifest.json        RunManifest: run id, config name + sha256, cell list, Environment, git commit,
 *                      command line, shard k/n, start/finish timestamps
 * cells/&lt;id&gt;.json      one CellResult per finished cell (CellStore; resume skips these cells)
 * raw.csv              one row per cell, every parameter and metric (RawCsv)
 * </pre>
 * {@link org.medfusion.results.StoredCells} reads a run's cells back (report, gate and merge use it);
 * {@link org.medfusion.results.Shards} selects a shard's cells, {@link org.medfusion.results.Merger} combines shard
 * directories; {@link org.medfusion.results.Stats} summarizes step-time samples;
 * {@link org.medfusion.results.CellIndex} groups cells with their plain baseline and derives savings and slowdowns.
 * Nothing here depends on the report or the gate.
 */
package org.medfusion.results;
