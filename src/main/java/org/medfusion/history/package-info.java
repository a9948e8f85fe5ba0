/**
 * The published history of many runs ({@code history} command): {@link org.medfusion.history.HistoryRuns} finds
 * and loads run directories, {@link org.medfusion.history.History} turns them into one time series per cell with
 * regressions marked, {@link org.medfusion.history.HistorySite} writes the static site (inline SVG from
 * {@link org.medfusion.history.Svg}, no external JS or CSS). Reads results, never writes cells.
 */
package org.medfusion.history;
