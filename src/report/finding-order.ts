import type { Finding, FindingStatus } from '../scan/finding.js';

/** The order every scan report lists statuses in: what can be shipped today first. */
export const STATUS_ORDER: readonly FindingStatus[] = ['fix-available', 'no-fix-yet', 'will-not-fix', 'not-affected'];

/**
 * Fixes available first, the oldest fix first (the longest exposure is the most urgent to ship); then the other
 * statuses. Ties fall back to package and advisory id so every report of one scan lists findings in the same order.
 */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      compareSince(a.fixAvailableSince, b.fixAvailableSince) ||
      a.package.name.localeCompare(b.package.name) ||
      (a.package.arch ?? '').localeCompare(b.package.arch ?? '') ||
      a.id.localeCompare(b.id),
  );
}

// Undated fixes go last: without a date we cannot claim they are the oldest.
function compareSince(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return Date.parse(a) - Date.parse(b);
}

/** Whole days from `since` to `now`, never negative (a publisher's clock may run ahead of ours). */
export function ageInDays(since: string, now: string): number {
  const days = Math.floor((Date.parse(now) - Date.parse(since)) / 86_400_000);
  return Number.isFinite(days) ? Math.max(0, days) : 0;
}

/** Counts per status, in STATUS_ORDER. */
export function countByStatus(findings: readonly Finding[]): Record<FindingStatus, number> {
  const counts: Record<FindingStatus, number> = {
    'fix-available': 0,
    'no-fix-yet': 0,
    'will-not-fix': 0,
    'not-affected': 0,
  };
  for (const finding of findings) counts[finding.status]++;
  return counts;
}
