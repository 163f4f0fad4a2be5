import { type Exposure, exposureWindowSeconds, fromTimestamp } from '../../fleet/index.js';

const WEEK_MS = 7 * 86_400_000;
// 1970-01-05 was a Monday: weeks start on Monday 00:00 UTC (ISO 8601).
const FIRST_MONDAY_MS = 4 * 86_400_000;

/** The newest weeks a chart shows: a year of closing, so the view stays small however long the ledger runs. */
export const CHART_WEEKS = 52;

export interface ClosedWeek {
  /** The Monday (UTC) the week of closing starts on, YYYY-MM-DD. */
  week: string;
  closed: number;
  p50Seconds: number;
  p95Seconds: number;
}

/** The Monday 00:00 UTC that starts the week holding `ms`. */
export function weekStart(ms: number): number {
  return ms - ((((ms - FIRST_MONDAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS);
}

/**
 * The nearest-rank percentile: the smallest value that at least p% of the values do not exceed. Always one of the
 * values (a window that happened), never an interpolation between two.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('a percentile of no values');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Closed exposure windows by the week they closed in (the last host booting the fix), oldest week first, with the
 * median and 95th percentile of their windows. A window is exposureWindowSeconds, the one the metrics report.
 */
export function closedWindowsByWeek(exposures: readonly Exposure[], now: number): ClosedWeek[] {
  const byWeek = new Map<number, number[]>();
  for (const exposure of exposures) {
    if (exposure.state !== 'closed' || exposure.stages.completed === undefined) continue;
    const seconds = exposureWindowSeconds(exposure, now);
    if (seconds === undefined) continue;
    const week = weekStart(fromTimestamp(exposure.stages.completed));
    byWeek.set(week, [...(byWeek.get(week) ?? []), seconds]);
  }
  return [...byWeek]
    .sort(([a], [b]) => a - b)
    .slice(-CHART_WEEKS)
    .map(([week, windows]) => {
      const sorted = [...windows].sort((a, b) => a - b);
      return {
        week: new Date(week).toISOString().slice(0, 10),
        closed: sorted.length,
        p50Seconds: percentile(sorted, 50),
        p95Seconds: percentile(sorted, 95),
      };
    });
}
