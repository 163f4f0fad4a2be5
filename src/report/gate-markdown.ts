import type { GateResult, RuleOutcome, RuleResult } from '../policy/index.js';
import {
  availableFor,
  type ComplianceRow,
  complianceRows,
  exposureLine,
  packageLabel,
  ruleFindings,
  rulesWithDetail,
  verdictLine,
} from './gate-view.js';
import { escapeHtml, escapeMarkdown } from './markdown-escape.js';
import { shortDigest } from './text-table.js';

/**
 * `patchline gate --format markdown`, for a pull-request comment: the verdict as a heading, one table row per rule,
 * and the findings behind each failing rule folded in a <details>. Every value that comes from an image, an advisory
 * or the policy is escaped (markdown-escape.ts). GitHub rejects comments over 65,536 characters, so past that the
 * finding lists are shortened (the oldest fixes stay) and say how many they leave out.
 */
export const GITHUB_COMMENT_LIMIT = 65_536;

const MARKS: Record<RuleOutcome, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  report: 'ℹ️ report',
  'not-configured': '➖ not configured',
};

export function gateMarkdown(result: GateResult): string {
  for (const limit of [100, 25, 5, 0]) {
    const text = render(result, limit);
    if (text.length <= GITHUB_COMMENT_LIMIT) return text;
  }
  return render(result, 0);
}

function render(result: GateResult, findingLimit: number): string {
  const passed = result.verdict === 'pass';
  const lines = [
    `## ${passed ? '✅' : '❌'} Patchline gate: ${passed ? 'passed' : 'failed'}`,
    '',
    `**${escapeMarkdown(verdictLine(result))}**`,
    '',
    `Image ${escapeMarkdown(result.image.reference)}${result.image.digest ? ` (${shortDigest(result.image.digest)})` : ''}, policy ${escapeMarkdown(result.policy.path)} (${escapeMarkdown(result.policy.name)}), advisory snapshot ${escapeMarkdown(result.database.snapshotId)}`,
    '',
    '| Rule | Outcome | Message |',
    '| --- | --- | --- |',
    ...result.rules.map(
      (rule) => `| ${escapeMarkdown(rule.rule)} | ${MARKS[rule.outcome]} | ${escapeMarkdown(rule.message)} |`,
    ),
    '',
    `**Exposure:** ${escapeMarkdown(exposureLine(result))}.`,
  ];
  for (const rule of rulesWithDetail(result)) lines.push('', ...details(result, rule, findingLimit));
  if (result.exceptions.length > 0) lines.push('', ...exceptions(result));
  const compliance = complianceRows(result);
  if (compliance.length > 0) lines.push('', ...complianceDetails(result, compliance));
  lines.push(
    '',
    `<sub>${escapeHtml(`${result.tool.name} ${result.tool.version}, evaluated at ${result.evaluatedAt}, policy ${result.policy.digest}`)}</sub>`,
  );
  return `${lines.join('\n')}\n`;
}

function details(result: GateResult, rule: RuleResult, limit: number): string[] {
  const count = rule.findings.length > 0 ? `${rule.findings.length} finding(s)` : `${rule.packages.length} package(s)`;
  const lines = [`<details><summary>${escapeHtml(`${rule.rule} (${rule.outcome}): ${count}`)}</summary>`, ''];
  if (rule.findings.length > 0) {
    const shown = ruleFindings(rule).slice(0, limit);
    lines.push(
      '| Package | Installed | Fixed | Status | Advisory | Fix | Summary |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const finding of shown) {
      const cells = [
        packageLabel(finding.package),
        finding.package.installed,
        finding.fixedVersion ?? '',
        finding.status,
        finding.id,
        availableFor(finding, result.evaluatedAt),
        finding.summary ?? '',
      ];
      lines.push(`| ${cells.map(escapeMarkdown).join(' | ')} |`);
    }
    const left = rule.findings.length - shown.length;
    if (left > 0) {
      lines.push('', `…and ${left} more; \`patchline gate --format json\` lists them all.`);
    }
  }
  if (rule.packages.length > 0) {
    // Pattern for the packages rules, Latest for the kernel's: only the column the rule fills.
    const latest = rule.packages.some((pkg) => pkg.latest !== undefined);
    lines.push(`| Package | Installed | ${latest ? 'Latest' : 'Pattern'} |`, '| --- | --- | --- |');
    for (const pkg of rule.packages) {
      const cells = [pkg.name, pkg.installed ?? '(not installed)', (latest ? pkg.latest : pkg.pattern) ?? ''];
      lines.push(`| ${cells.map(escapeMarkdown).join(' | ')} |`);
    }
  }
  lines.push('', '</details>');
  return lines;
}

function exceptions(result: GateResult): string[] {
  const expired = result.exceptions.filter((exception) => exception.state === 'expired').length;
  return [
    `<details${expired > 0 ? ' open' : ''}><summary>${escapeHtml(`Exceptions: ${result.exceptions.length}, ${expired} expired`)}</summary>`,
    '',
    '| Id | Package | Status | State | Expires | Approver | Matched | Justification |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.exceptions.map((exception) => {
      const cells = [
        exception.id,
        exception.package ?? '*',
        exception.status,
        exception.state === 'expired' ? 'EXPIRED' : exception.state,
        exception.expires,
        exception.approver,
        `${exception.matched.length} finding(s)`,
        exception.justification,
      ];
      return `| ${cells.map(escapeMarkdown).join(' | ')} |`;
    }),
    '',
    '</details>',
  ];
}

function complianceDetails(result: GateResult, rows: ComplianceRow[]): string[] {
  const failing = result.compliance?.failing.length ?? 0;
  const summary = `compliance: ${failing} XCCDF rule(s) failing, profile ${result.compliance?.profile ?? ''}`;
  return [
    `<details${failing > 0 ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>`,
    '',
    '| XCCDF rule | Result | Note |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| ${[row.rule, row.result, row.note].map(escapeMarkdown).join(' | ')} |`),
    '',
    '</details>',
  ];
}
