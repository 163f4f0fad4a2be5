import { compareFindings, type Finding, type FindingStatus, STATUS_ORDER } from '../scan/index.js';

export { STATUS_ORDER };

/** Findings in the scan's order (scan/finding-order.ts): fixes available first, the oldest fix first. */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
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
