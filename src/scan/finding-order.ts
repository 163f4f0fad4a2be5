import type { Finding, FindingStatus } from './finding.js';

/** Statuses in the order a scan lists them: what can be shipped today first. */
export const STATUS_ORDER: readonly FindingStatus[] = ['fix-available', 'no-fix-yet', 'will-not-fix', 'not-affected'];

// Undated fixes go after dated ones: without a date we cannot claim they are the oldest.
function compareSince(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return Date.parse(a) - Date.parse(b);
}

/**
 * The order of ScanResult.findings: fixes available first, the oldest fix first (the longest exposure is the most
 * urgent to ship); then the other statuses. Ties fall back to package, arch and advisory id, so one scan always
 * lists its findings in one order.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
    compareSince(a.fixAvailableSince, b.fixAvailableSince) ||
    a.package.name.localeCompare(b.package.name) ||
    (a.package.arch ?? '').localeCompare(b.package.arch ?? '') ||
    a.package.installed.localeCompare(b.package.installed) ||
    a.id.localeCompare(b.id)
  );
}
