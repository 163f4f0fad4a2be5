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

// Code-point order, not localeCompare: the same on every machine whatever its locale, and far cheaper.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
    compareText(a.package.name, b.package.name) ||
    compareText(a.package.arch ?? '', b.package.arch ?? '') ||
    compareText(a.package.installed, b.package.installed) ||
    compareText(a.id, b.id)
  );
}

/** Sorts findings in place by compareFindings, reading each status rank and fix date once. */
export function sortFindings(findings: Finding[]): Finding[] {
  const keyed = findings.map((finding) => ({
    finding,
    rank: STATUS_ORDER.indexOf(finding.status),
    since: sinceOf(finding),
  }));
  keyed.sort((a, b) => a.rank - b.rank || compareNumbers(a.since, b.since) || compareFindings(a.finding, b.finding));
  keyed.forEach((entry, index) => {
    findings[index] = entry.finding;
  });
  return findings;
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sinceOf(finding: Finding): number {
  const time = finding.fixAvailableSince === undefined ? Number.NaN : Date.parse(finding.fixAvailableSince);
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}
