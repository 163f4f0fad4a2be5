import type { GateResult, RulePackage, RuleResult } from '../policy/index.js';
import type { Finding } from '../scan/index.js';
import { ageInDays, orderFindings } from './finding-order.js';

/** What the gate's writers say alike, so a table, a comment and a CI report never disagree in their words. */

/**
 * The rules with findings or packages to list: a fail, or a report (unfixed findings under `unfixed: report`). The
 * exceptions rule has its own section, the exceptions with their state.
 */
export function rulesWithDetail(result: GateResult): RuleResult[] {
  return result.rules.filter(
    (rule) =>
      (rule.outcome === 'fail' || rule.outcome === 'report') && (rule.findings.length > 0 || rule.packages.length > 0),
  );
}

export function failedRules(result: GateResult): RuleResult[] {
  return result.rules.filter((rule) => rule.outcome === 'fail');
}

/** A rule's findings in the scan's order: fixes available first, the oldest fix first. */
export function ruleFindings(rule: RuleResult): Finding[] {
  return orderFindings(rule.findings);
}

export function packageLabel(pkg: Finding['package']): string {
  return pkg.arch ? `${pkg.name}.${pkg.arch}` : pkg.name;
}

/** "available for 257 days (since 2023-10-18)", counted to the evaluation time; `~` marks a first-seen date. */
export function availableFor(finding: Finding, now: string): string {
  if (!finding.fixAvailableSince) return '';
  const mark = finding.fixDateOrigin === 'first-seen' ? '~' : '';
  const days = ageInDays(finding.fixAvailableSince, now);
  return `available for ${days} day${days === 1 ? '' : 's'} (since ${mark}${finding.fixAvailableSince.slice(0, 10)})`;
}

/** One line per finding for plain-text reports (JUnit bodies, SARIF messages). */
export function findingLine(finding: Finding, now: string): string {
  const fix = finding.fixedVersion ? ` -> ${finding.fixedVersion}` : '';
  const since = availableFor(finding, now);
  return `${packageLabel(finding.package)} ${finding.package.installed}${fix} ${finding.id} (${finding.status})${since ? `: ${since}` : ''}`;
}

export function packageLine(pkg: RulePackage): string {
  const parts = [
    pkg.name,
    pkg.installed ?? '(not installed)',
    ...(pkg.pattern ? [`matches ${pkg.pattern}`] : []),
    ...(pkg.latest ? [`latest ${pkg.latest}`] : []),
  ];
  return parts.join(' ');
}

/** The exposure summary in one sentence (without a trailing full stop). */
export function exposureLine(result: GateResult): string {
  const { exposure } = result;
  const count = `${exposure.unshippedFixes} unshipped fix${exposure.unshippedFixes === 1 ? '' : 'es'}`;
  if (!exposure.oldestFixAvailableSince || !exposure.oldest) return count;
  const days = Math.max(0, Math.floor((exposure.oldestFixAgeSeconds ?? 0) / 86_400));
  return `${count}; the oldest, ${exposure.oldest.finding} for ${exposure.oldest.package}, available for ${days} day${days === 1 ? '' : 's'} (since ${exposure.oldestFixAvailableSince.slice(0, 10)})`;
}

/** "FAIL: 2 of 9 rules failed (fixes.maxAge, exceptions)" or "PASS: …". */
export function verdictLine(result: GateResult): string {
  const failed = failedRules(result);
  const decided = result.rules.filter((rule) => rule.outcome !== 'not-configured').length;
  if (result.verdict === 'pass') return `PASS: ${decided} rule${decided === 1 ? '' : 's'} checked, none failed`;
  return `FAIL: ${failed.length} of ${decided} rule${decided === 1 ? '' : 's'} failed (${failed.map((rule) => rule.rule).join(', ')})`;
}

/**
 * The compliance rules a reader must look at: each failing one, each waived by an exception, and each exception that
 * expired (with its approver and date): never the hundreds that passed (the evidence and the ARF file keep those).
 */
export interface ComplianceRow {
  rule: string;
  result: string;
  /** failing: fails the gate; waived: failing but excepted; expired: an exception past its date (fails the gate). */
  kind: 'failing' | 'waived' | 'expired';
  note: string;
}

export function complianceRows(result: GateResult): ComplianceRow[] {
  const compliance = result.compliance;
  if (compliance === undefined) return [];
  const failing = new Set(compliance.failing);
  const rows = compliance.results
    .filter((entry) => failing.has(entry.rule) || entry.excepted)
    .map((entry): ComplianceRow => {
      const exception = compliance.exceptions.find((e) => e.rule === entry.rule && e.state === 'active');
      return exception
        ? {
            rule: entry.rule,
            result: entry.result,
            kind: 'waived',
            note: `excepted until ${exception.expires} (approved by ${exception.approver}): ${exception.justification}`,
          }
        : { rule: entry.rule, result: entry.result, kind: 'failing', note: 'fails the gate' };
    });
  for (const exception of compliance.exceptions.filter((e) => e.state === 'expired')) {
    rows.push({
      rule: exception.rule,
      result: exception.result ?? 'notselected',
      kind: 'expired',
      note: `exception EXPIRED ${exception.expires} (approved by ${exception.approver}): renew or remove it`,
    });
  }
  return rows;
}
