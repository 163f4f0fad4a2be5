import { durationSeconds, formatAge } from '../core/index.js';
import type { Finding } from '../scan/index.js';
import type { RuleResult } from './gate-result.js';
import type { PolicySpec } from './policy-document.js';

/**
 * fixes.maxAge and unfixed: the rules over findings. They read a finding's status and fix date only, never its
 * severity: a fix that exists ships, whatever its score.
 */

/** Seconds since the fix became available; a fix-available finding without a date counts as infinitely old. */
export function fixAgeSeconds(finding: Finding, now: number): number {
  const since = Date.parse(finding.fixAvailableSince ?? '');
  return Number.isNaN(since) ? Number.POSITIVE_INFINITY : Math.floor((now - since) / 1000);
}

export function fixesRule(spec: PolicySpec['fixes'], findings: readonly Finding[], now: number): RuleResult {
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

export function unfixedRule(mode: PolicySpec['unfixed'], findings: readonly Finding[]): RuleResult {
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
