import type { GateResult, RuleResult } from '../policy/index.js';
import { findingLine, packageLine, ruleFindings } from './gate-view.js';
import { escapeXmlAttribute, escapeXmlText } from './xml-escape.js';

/**
 * `patchline gate --format junit`, for CI dashboards (Jenkins, GitLab, Azure DevOps) that already show test reports:
 * one test suite, one test case per policy rule. A failing rule is a <failure> whose body lists its findings or
 * packages; a rule the policy leaves out is <skipped>; a reporting rule passes and lists what it reports on its
 * system-out. The image, policy and database identify the run as properties of the suite.
 */
export function gateJunit(result: GateResult): string {
  const failures = result.rules.filter((rule) => rule.outcome === 'fail').length;
  const skipped = result.rules.filter((rule) => rule.outcome === 'not-configured').length;
  const counts = `tests="${result.rules.length}" failures="${failures}" errors="0"`;
  const suiteName = escapeXmlAttribute(`patchline gate ${result.image.reference}`);
  const properties: Array<[string, string | undefined]> = [
    ['verdict', result.verdict],
    ['image', result.image.reference],
    ['image.digest', result.image.digest],
    ['policy', result.policy.path],
    ['policy.name', result.policy.name],
    ['policy.digest', result.policy.digest],
    ['database.snapshot', result.database.snapshotId],
    ['database.builtAt', result.database.builtAt],
    ['tool', `${result.tool.name} ${result.tool.version}`],
    ['exposure.unshippedFixes', String(result.exposure.unshippedFixes)],
    ['exposure.oldestFixAvailableSince', result.exposure.oldestFixAvailableSince],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="patchline gate" ${counts} time="0">`,
    `  <testsuite name="${suiteName}" ${counts} skipped="${skipped}" time="0" timestamp="${escapeXmlAttribute(result.evaluatedAt)}">`,
    '    <properties>',
    ...properties
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(
        ([name, value]) => `      <property name="${escapeXmlAttribute(name)}" value="${escapeXmlAttribute(value)}"/>`,
      ),
    '    </properties>',
    ...result.rules.flatMap((rule) => testcase(result, rule)),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function testcase(result: GateResult, rule: RuleResult): string[] {
  const open = `    <testcase name="${escapeXmlAttribute(rule.rule)}" classname="patchline.gate" time="0">`;
  const body = details(result, rule);
  switch (rule.outcome) {
    case 'fail':
      return [
        open,
        `      <failure message="${escapeXmlAttribute(rule.message)}" type="${escapeXmlAttribute(rule.rule)}">${escapeXmlText(body)}</failure>`,
        '    </testcase>',
      ];
    case 'not-configured':
      return [open, `      <skipped message="${escapeXmlAttribute(rule.message)}"/>`, '    </testcase>'];
    case 'report':
      return [
        open,
        `      <system-out>${escapeXmlText(body === '' ? rule.message : `${rule.message}\n${body}`)}</system-out>`,
        '    </testcase>',
      ];
    case 'pass':
      return [`    <testcase name="${escapeXmlAttribute(rule.rule)}" classname="patchline.gate" time="0"/>`];
  }
}

function details(result: GateResult, rule: RuleResult): string {
  const lines = [
    ...ruleFindings(rule).map((finding) => findingLine(finding, result.evaluatedAt)),
    ...rule.packages.map(packageLine),
  ];
  if (rule.rule === 'exceptions') {
    for (const exception of result.exceptions.filter((entry) => entry.state === 'expired')) {
      lines.push(
        `${exception.id}${exception.package ? ` (${exception.package})` : ''} expired ${exception.expires}, approved by ${exception.approver}`,
      );
    }
  }
  return lines.join('\n');
}
