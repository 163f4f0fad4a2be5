import { formatAge, terminalSafe as safe } from '../core/index.js';
import type { GateResult, RuleResult } from '../policy/index.js';
import {
  availableFor,
  complianceRows,
  exposureLine,
  packageLabel,
  ruleFindings,
  rulesWithDetail,
  verdictLine,
} from './gate-view.js';
import { shortDigest, type TableLayout, table } from './text-table.js';

/**
 * `patchline gate` for people: what was judged, each rule's outcome, then the findings and packages behind the rules
 * that failed or report (the longest-unshipped fix on top), the exceptions and the exposure, and the verdict last,
 * where a CI log's reader looks first. Given a width, exception justifications are cut to fit (rule messages never are).
 */
export function gateTable(result: GateResult, layout: Pick<TableLayout, 'width'> = {}): string {
  const lines: string[] = [...heading(result), ''];
  const rules = result.rules.map((rule) => [rule.rule, rule.outcome, safe(rule.message)]);
  lines.push(table([['RULE', 'OUTCOME', 'MESSAGE'], ...rules]));
  for (const rule of rulesWithDetail(result)) lines.push('', ...detail(result, rule));
  if (result.exceptions.length > 0) lines.push('', 'Exceptions:', exceptions(result, layout));
  const compliance = complianceRows(result);
  if (compliance.length > 0) {
    lines.push('', `compliance: profile ${safe(result.compliance?.profile ?? '')}`);
    const rows = compliance.map((row) => [safe(row.rule), row.result, safe(row.note)]);
    lines.push(table([['XCCDF RULE', 'RESULT', 'NOTE'], ...rows], { ...layout, truncatable: [2] }));
  }
  lines.push('', `Exposure: ${safe(exposureLine(result))}`, `Verdict: ${verdictLine(result)}`);
  return `${lines.join('\n')}\n`;
}

function heading(result: GateResult): string[] {
  const { image, policy, database } = result;
  const digest = image.digest ? ` (${shortDigest(image.digest)})` : '';
  const age = database.ageSeconds === undefined ? '' : `, ${formatAge(database.ageSeconds)} old`;
  return [
    `Gate ${result.verdict.toUpperCase()}: ${safe(image.reference)}${digest}`,
    `Policy: ${safe(policy.path)} (${safe(policy.name)}, ${shortDigest(policy.digest)})`,
    `Advisory database: snapshot ${safe(database.snapshotId)}${age}`,
    `Evaluated at ${result.evaluatedAt} by ${result.tool.name} ${result.tool.version}`,
  ];
}

function detail(result: GateResult, rule: RuleResult): string[] {
  const lines: string[] = [];
  if (rule.findings.length > 0) {
    lines.push(`${rule.rule} (${rule.outcome}): ${rule.findings.length} finding(s)`);
    const header = ['PACKAGE', 'INSTALLED', 'FIXED', 'STATUS', 'ADVISORY', 'FIX'];
    const rows = ruleFindings(rule).map((finding) => [
      safe(packageLabel(finding.package)),
      safe(finding.package.installed),
      safe(finding.fixedVersion ?? ''),
      finding.status,
      safe(finding.id),
      availableFor(finding, result.evaluatedAt),
    ]);
    lines.push(table([header, ...rows]));
  }
  if (rule.packages.length > 0) {
    lines.push(`${rule.rule} (${rule.outcome}): ${rule.packages.length} package(s)`);
    // PATTERN for the packages rules, LATEST for the kernel's: only the columns the rule fills.
    const latest = rule.packages.some((pkg) => pkg.latest !== undefined);
    const header = ['PACKAGE', 'INSTALLED', latest ? 'LATEST' : 'PATTERN'];
    const rows = rule.packages.map((pkg) => [
      safe(pkg.name),
      safe(pkg.installed ?? '(not installed)'),
      safe((latest ? pkg.latest : pkg.pattern) ?? ''),
    ]);
    lines.push(table([header, ...rows]));
  }
  return lines;
}

function exceptions(result: GateResult, layout: Pick<TableLayout, 'width'>): string {
  const header = ['ID', 'PACKAGE', 'STATUS', 'STATE', 'EXPIRES', 'APPROVER', 'MATCHED', 'JUSTIFICATION'];
  const rows = result.exceptions.map((exception) => [
    safe(exception.id),
    safe(exception.package ?? '*'),
    exception.status,
    exception.state === 'expired' ? 'EXPIRED' : exception.state,
    safe(exception.expires),
    safe(exception.approver),
    `${exception.matched.length} finding(s)`,
    safe(exception.justification),
  ]);
  return table([header, ...rows], { ...layout, truncatable: [7] });
}
