import { z } from 'zod';
import { durationSeconds, formatAge } from '../duration.js';
import type { Finding } from '../scan/index.js';
import type { RuleResult } from './gate-result.js';
import { policyRule } from './policy-rule.js';
import { duration } from './schema-parts.js';

/**
 * fixes.maxAge and unfixed: the rules over findings. They read a finding's status and fix date only, never its
 * severity: a fix that exists ships, whatever its score.
 */

/** Seconds since the fix became available; a fix-available finding without a date counts as infinitely old. */
export function fixAgeSeconds(finding: Finding, now: number): number {
  const since = Date.parse(finding.fixAvailableSince ?? '');
  return Number.isNaN(since) ? Number.POSITIVE_INFINITY : Math.floor((now - since) / 1000);
}

export function fixesRule(spec: z.output<typeof fixesSection>, findings: readonly Finding[], now: number): RuleResult {
  const available = findings.filter((finding) => finding.status === 'fix-available');
  if (spec === undefined) {
    return {
      rule: 'fixes.maxAge',
      outcome: 'not-configured',
      message: `not configured (${available.length} fix(es) available not in the image)`,
      inputs: { maxAgeSeconds: null, fixesAvailable: available.length },
      findings: [],
      packages: [],
    };
  }
  const maxAge = durationSeconds(spec.maxAge)!;
  // 0 is the strict posture: any fix not in the image fails, even one published this very second.
  const overdue = available.filter((finding) => maxAge === 0 || fixAgeSeconds(finding, now) > maxAge);
  const inputs = {
    maxAgeSeconds: maxAge,
    fixesAvailable: available.length,
    overdue: overdue.length,
    withinMaxAge: available.length - overdue.length,
  };
  const limit = maxAge === 0 ? '0 (every available fix must be in the image)' : formatAge(maxAge);
  if (overdue.length === 0) {
    return {
      rule: 'fixes.maxAge',
      outcome: 'pass',
      message: `no fix available longer than ${limit} is missing (${inputs.withinMaxAge} newer fix(es) still within it)`,
      inputs,
      findings: [],
      packages: [],
    };
  }
  const oldest = overdue.reduce((a, b) => (fixAgeSeconds(b, now) > fixAgeSeconds(a, now) ? b : a));
  const age = fixAgeSeconds(oldest, now);
  return {
    rule: 'fixes.maxAge',
    outcome: 'fail',
    message: `${overdue.length} fix(es) available longer than ${limit} are not in the image; oldest: ${oldest.id} for ${oldest.package.name}, available ${Number.isFinite(age) ? `for ${formatAge(age)}` : 'since an unknown date'}`,
    inputs,
    findings: overdue,
    packages: [],
  };
}

/** Findings with nothing to install: no fix yet (fix deferred included) or will not fix (out of support included). */
export function isUnfixed(finding: Finding): boolean {
  return finding.status === 'no-fix-yet' || finding.status === 'will-not-fix';
}

export function unfixedRule(mode: z.output<typeof unfixedSection>, findings: readonly Finding[]): RuleResult {
  const unfixed = findings.filter(isUnfixed);
  const effective = mode ?? 'report';
  const inputs = {
    mode: effective,
    noFixYet: unfixed.filter((finding) => finding.status === 'no-fix-yet').length,
    willNotFix: unfixed.filter((finding) => finding.status === 'will-not-fix').length,
  };
  const counts = `${inputs.noFixYet} with no fix yet, ${inputs.willNotFix} that will not be fixed`;
  if (unfixed.length === 0) {
    return { rule: 'unfixed', outcome: 'pass', message: 'no unfixed findings', inputs, findings: [], packages: [] };
  }
  return {
    rule: 'unfixed',
    outcome: effective === 'fail' ? 'fail' : 'report',
    message: `${unfixed.length} unfixed finding(s): ${counts}${effective === 'fail' ? '' : ' (reported: there is nothing to install yet)'}`,
    inputs,
    findings: unfixed,
    packages: [],
  };
}

const fixesSection = z
  .strictObject({
    maxAge: duration.describe('A fix available longer than this and not in the image fails the gate; 0: any fix'),
  })
  .optional();

export const fixesPolicy = policyRule({
  key: 'fixes',
  schema: fixesSection,
  example: { maxAge: '30d' },
  reports: [
    {
      name: 'fixes.maxAge',
      title: 'AvailableFixesShip',
      help: 'A fix available longer than the policy allows must be in the image, whatever its severity.',
    },
  ],
  evaluate: (section, { findings, at }) => [fixesRule(section, findings, at)],
});

const unfixedSection = z
  .enum(['report', 'fail'], { error: 'expected report or fail' })
  .optional()
  .describe('Findings with no fix yet or that will not be fixed: listed (report, the default) or failing (fail)');

export const unfixedPolicy = policyRule({
  key: 'unfixed',
  schema: unfixedSection,
  example: 'fail',
  reports: [
    {
      name: 'unfixed',
      title: 'UnfixedFindings',
      help: 'Findings with no fix published yet: reported, or failing when the policy says `unfixed: fail`.',
    },
  ],
  evaluate: (section, { findings }) => [unfixedRule(section, findings)],
});
