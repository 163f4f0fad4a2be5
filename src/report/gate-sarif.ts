import { type GateResult, type RuleResult, ruleReport } from '../policy/index.js';
import type { Finding } from '../scan/index.js';
import { availableFor, complianceRows, packageLabel, ruleFindings } from './gate-view.js';
import {
  automationName,
  FINGERPRINT_KEY,
  findingFingerprint,
  packageLocation,
  SARIF_SCHEMA,
  type SarifLevel,
  sarifDriver,
  sha256Hex,
} from './sarif-shared.js';

/**
 * `patchline gate --format sarif`: the gate for GitHub code scanning. One SARIF rule per policy rule, its id the rule's
 * name in the policy document (`fixes.maxAge`), so ruleIds never change between runs; one result per finding, package
 * or expired exception behind a failing rule (`error`) or a reporting one (`note`), and one for a failing rule with
 * nothing to list (a stale database). Fingerprints come from the rule and what identifies the problem, never from
 * versions, so an alert stays one alert until the fix ships. Findings point at the package database as the scan's
 * SARIF does (sarif-shared.ts); the rest at the policy file, which is in the repository.
 */
const GITHUB_RESULT_LIMIT = 5000;

export function gateSarif(result: GateResult): string {
  const rules = result.rules.map((rule) => sarifRule(rule));
  const results = result.rules.flatMap((rule, index) => ruleResults(result, rule, index));
  const kept = results.slice(0, GITHUB_RESULT_LIMIT);
  const leftOut = results.length - kept.length;
  const document = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: sarifDriver(rules) },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: result.evaluatedAt,
            ...(leftOut > 0
              ? {
                  toolExecutionNotifications: [
                    {
                      level: 'warning',
                      descriptor: { id: 'results-truncated' },
                      message: {
                        text: `${leftOut} of ${results.length} results were left out to stay within GitHub's ${GITHUB_RESULT_LIMIT} results; \`patchline gate --format json\` lists them all.`,
                      },
                    },
                  ],
                }
              : {}),
          },
        ],
        automationDetails: { id: `patchline/gate/${automationName(result.image.reference)}/` },
        results: kept,
        properties: {
          verdict: result.verdict,
          image: result.image.reference,
          ...(result.image.digest ? { imageDigest: result.image.digest } : {}),
          policy: result.policy.path,
          policyDigest: result.policy.digest,
          databaseSnapshot: result.database.snapshotId,
        },
      },
    ],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function sarifRule(rule: RuleResult): object {
  const { help, title } = ruleReport(rule.rule);
  return {
    id: rule.rule,
    name: title,
    shortDescription: { text: `Policy rule ${rule.rule}` },
    fullDescription: { text: help },
    help: { text: help, markdown: help },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'policy', 'patchline-gate'] },
  };
}

function ruleResults(result: GateResult, rule: RuleResult, ruleIndex: number): object[] {
  if (rule.outcome !== 'fail' && rule.outcome !== 'report') return [];
  const level: SarifLevel = rule.outcome === 'fail' ? 'error' : 'note';
  const base = { ruleId: rule.rule, ruleIndex, level };
  const policyLocation = {
    physicalLocation: {
      artifactLocation: { uri: result.policy.path.replace(/^\.\//, '') },
      region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
    },
  };
  const results: object[] = [];
  for (const finding of ruleFindings(rule)) {
    results.push({
      ...base,
      message: { text: findingMessage(finding, rule, result.evaluatedAt) },
      locations: [packageLocation(finding)],
      partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(finding, 'gate', rule.rule) },
      properties: {
        finding: finding.id,
        status: finding.status,
        purl: finding.package.purl,
        installedVersion: finding.package.installed,
        ...(finding.fixedVersion ? { fixedVersion: finding.fixedVersion } : {}),
        ...(finding.fixAvailableSince ? { fixAvailableSince: finding.fixAvailableSince } : {}),
      },
    });
  }
  for (const pkg of rule.packages) {
    const what = pkg.installed === undefined ? 'is not installed' : `${pkg.installed} is installed`;
    const detail = [pkg.pattern ? `pattern ${pkg.pattern}` : '', pkg.latest ? `latest ${pkg.latest}` : '']
      .filter((part) => part !== '')
      .join(', ');
    results.push({
      ...base,
      message: { text: `${rule.rule}: ${pkg.name} ${what}${detail ? ` (${detail})` : ''}.` },
      locations: [policyLocation],
      partialFingerprints: { [FINGERPRINT_KEY]: sha256Hex(['gate', rule.rule, pkg.name, pkg.pattern ?? '']) },
    });
  }
  if (rule.rule === 'exceptions') {
    for (const exception of result.exceptions.filter((entry) => entry.state === 'expired')) {
      results.push({
        ...base,
        message: {
          text: `The exception for ${exception.id}${exception.package ? ` (${exception.package})` : ''} expired on ${exception.expires} (approved by ${exception.approver}).`,
        },
        locations: [policyLocation],
        partialFingerprints: {
          [FINGERPRINT_KEY]: sha256Hex(['gate', rule.rule, exception.id, exception.package ?? '']),
        },
      });
    }
  }
  if (rule.rule === 'compliance') {
    // One result per failing XCCDF rule or expired waiver, so code scanning tracks each on its own.
    for (const row of complianceRows(result).filter((entry) => entry.kind !== 'waived')) {
      results.push({
        ...base,
        message: { text: `compliance: ${row.rule} is ${row.result} (${result.compliance?.profile}): ${row.note}.` },
        locations: [policyLocation],
        partialFingerprints: { [FINGERPRINT_KEY]: sha256Hex(['gate', rule.rule, row.rule]) },
      });
    }
  }
  if (results.length === 0) {
    results.push({
      ...base,
      message: { text: `${rule.rule}: ${rule.message}` },
      locations: [policyLocation],
      partialFingerprints: {
        [FINGERPRINT_KEY]: sha256Hex(['gate', rule.rule, automationName(result.image.reference)]),
      },
    });
  }
  return results;
}

function findingMessage(finding: Finding, rule: RuleResult, now: string): string {
  const pkg = `${packageLabel(finding.package)} ${finding.package.installed}`;
  const since = availableFor(finding, now);
  if (finding.status === 'fix-available') {
    return `${rule.rule}: ${pkg} lacks the fix of ${finding.id}: update to ${finding.fixedVersion ?? 'the fixed version'}${since ? `, ${since}` : ''}.`;
  }
  return `${rule.rule}: ${pkg} is affected by ${finding.id} (${finding.status}).`;
}
