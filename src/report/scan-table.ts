import { formatAge } from '../core/index.js';
import type { Finding, ScanResult } from '../scan/index.js';
import { ageInDays, countByStatus, orderFindings, STATUS_ORDER } from './finding-order.js';
import { type Cell, type TableLayout, table } from './text-table.js';

/**
 * The scan for people, in trivy's column layout: fixes available first and the oldest fix first, so the top row is the
 * longest-unshipped fix. Ages count from the scan's own time, so one scan always prints the same table. Given a width,
 * long CVE lists are shortened to a count and sources and statements cut; `-f json` keeps everything.
 */
export function scanTable(result: ScanResult, layout: Pick<TableLayout, 'width'> = {}): string {
  const lines: string[] = [`${result.target.name}${result.os?.prettyName ? ` (${result.os.prettyName})` : ''}`];
  const findings = orderFindings(result.findings);
  if (findings.length > 0) {
    const since: Cell = { forms: ['FIX AVAILABLE SINCE', 'FIX AGE'] };
    const header = ['PACKAGE', 'INSTALLED', 'FIXED', 'STATUS', 'ADVISORY', since, 'SOURCE'];
    const rows = findings.map((finding) => row(finding, result.scannedAt));
    lines.push('', table([header, ...rows], { ...layout, truncatable: [6] }));
  }
  if (result.suppressed.length > 0) {
    const header = ['PACKAGE', 'INSTALLED', 'ADVISORY', 'CVES', 'VEX STATUS', 'JUSTIFICATION', 'STATEMENT'];
    const rows = result.suppressed.flatMap(({ finding, statement, coverage }) =>
      (coverage ?? [{ cves: finding.cves, statement }]).map((entry) => [
        finding.package.name,
        finding.package.installed,
        finding.id,
        { items: entry.cves },
        entry.statement.status,
        entry.statement.justification ?? entry.statement.impact ?? '',
        entry.statement.source,
      ]),
    );
    lines.push('', 'Suppressed by VEX:', table([header, ...rows], { ...layout, truncatable: [5, 6] }));
  }
  const partial = findings.filter((finding) => finding.coverage !== undefined && finding.coverage.length > 0);
  if (partial.length > 0) {
    lines.push('', 'Covered in part (still findings: a statement covers some of their CVEs, not all):');
    for (const finding of partial) {
      const covered = finding.coverage!.map((entry) => `${entry.cves.join(', ')} by ${entry.statement.source}`);
      lines.push(`  ${finding.id} ${finding.package.name}: ${covered.join('; ')}`);
    }
  }
  if (result.noData !== undefined) lines.push('', `NO ADVISORY DATA: ${result.noData}`);
  lines.push('', summary(result, findings));
  return `${lines.join('\n')}\n`;
}

function row(finding: Finding, now: string): Cell[] {
  return [
    finding.package.arch ? `${finding.package.name}.${finding.package.arch}` : finding.package.name,
    finding.package.installed,
    finding.fixedVersion ?? '',
    finding.status,
    advisoryCell(finding),
    sinceCell(finding, now),
    finding.source.note ? `${finding.source.ecosystem} (${finding.source.note})` : finding.source.ecosystem,
  ];
}

// The advisory id, then the CVEs it fixes, so a reader can search either.
function advisoryCell(finding: Finding): Cell {
  return { head: finding.id, items: finding.cves.filter((cve) => cve !== finding.id) };
}

// `~` marks a date we first saw rather than one the publisher gave. A narrow terminal gets the age alone.
function sinceCell(finding: Finding, now: string): Cell {
  if (!finding.fixAvailableSince) return '';
  const mark = finding.fixDateOrigin === 'first-seen' ? '~' : '';
  const age = `${ageInDays(finding.fixAvailableSince, now)} d`;
  return { forms: [`${mark}${finding.fixAvailableSince.slice(0, 10)} (${age})`, `${mark}${age}`] };
}

function summary(result: ScanResult, ordered: Finding[]): string {
  const counts = countByStatus(ordered);
  const parts = STATUS_ORDER.map((status) => `${counts[status]} ${status}`);
  const lines = [
    `${ordered.length} finding(s) in ${result.packages} package(s): ${parts.join(', ')}; ${result.suppressed.length} suppressed by VEX`,
  ];
  const oldest = ordered.find((finding) => finding.status === 'fix-available' && finding.fixAvailableSince);
  lines.push(exposure(counts['fix-available'], oldest, result.scannedAt));
  if (oldest?.fixAvailableSince) {
    lines.push(
      `Oldest unshipped fix: ${oldest.id} for ${oldest.package.name} (${oldest.fixedVersion ?? 'fixed version unknown'}), available since ${oldest.fixAvailableSince.slice(0, 10)}, ${ageInDays(oldest.fixAvailableSince, result.scannedAt)} days ago`,
    );
  }
  const db = result.database;
  const age = db.ageSeconds === undefined ? '' : `, ${formatAge(db.ageSeconds)} old`;
  lines.push(`Advisory database: ${db.path} (snapshot ${db.snapshotId}${age})`);
  if (result.ecosystems.length > 0) {
    const used = result.ecosystems.map(
      (entry) => `${entry.ecosystem} from ${entry.source}${entry.note ? ` (${entry.note})` : ''}`,
    );
    lines.push(`Matched against: ${used.join('; ')}`);
  }
  return lines.join('\n');
}

// The exposure in one line, as `patchline gate` sums it up: how many fixes the image lacks and how long the oldest
// has been out.
function exposure(unshipped: number, oldest: Finding | undefined, now: string): string {
  if (unshipped === 0) return 'Exposure: no unshipped fixes';
  const count = `${unshipped} unshipped fix${unshipped === 1 ? '' : 'es'}`;
  if (!oldest?.fixAvailableSince) return `Exposure: ${count}`;
  const days = ageInDays(oldest.fixAvailableSince, now);
  return `Exposure: ${count}, the oldest available for ${days} day${days === 1 ? '' : 's'}`;
}
