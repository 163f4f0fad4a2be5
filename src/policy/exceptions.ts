import type { Finding, ScanResult, SuppressedFinding } from '../scan/index.js';
import type { ExceptionOutcome, RuleResult } from './gate-result.js';
import { matchesGlob } from './glob.js';
import type { PolicyException } from './policy-document.js';

/**
 * Policy exceptions: VEX-shaped, approved statements that take findings out of the gate until they expire. An
 * exception in force suppresses every finding it names whatever its status (the status is what the approver states,
 * kept for the record); an expired one suppresses nothing and fails the gate, so a waiver never outlives its date
 * silently.
 */

/** The instant an exception stops applying: a bare date means its start, 00:00 UTC. */
export function expiryOf(exception: PolicyException): number {
  return Date.parse(
    /^\d{4}-\d{2}-\d{2}$/.test(exception.expires) ? `${exception.expires}T00:00:00Z` : exception.expires,
  );
}

/** Whether the exception names this finding: by its id, an alias or a CVE, and by package name or source name. */
export function exceptionMatches(exception: PolicyException, finding: Finding): boolean {
  const id = exception.id.toUpperCase();
  const ids = [finding.id, ...finding.aliases, ...finding.cves].map((known) => known.toUpperCase());
  if (!ids.includes(id)) return false;
  if (exception.package === undefined) return true;
  const { name, sourceName } = finding.package;
  return (
    matchesGlob(exception.package, name) || (sourceName !== undefined && matchesGlob(exception.package, sourceName))
  );
}

export interface AppliedExceptions {
  outcomes: ExceptionOutcome[];
  /** The scan with the findings of exceptions in force moved to `suppressed`. */
  scan: ScanResult;
  rule: RuleResult;
}

export function applyExceptions(
  exceptions: readonly PolicyException[] | undefined,
  scan: ScanResult,
  now: number,
  policyName: string,
): AppliedExceptions {
  const outcomes: ExceptionOutcome[] = [];
  const suppressedBy = new Map<Finding, PolicyException>();
  for (const exception of exceptions ?? []) {
    const expired = !(now < expiryOf(exception));
    const matched = scan.findings.filter((finding) => exceptionMatches(exception, finding));
    if (!expired) for (const finding of matched) if (!suppressedBy.has(finding)) suppressedBy.set(finding, exception);
    const outcome: ExceptionOutcome = {
      id: exception.id,
      status: exception.status,
      justification: exception.justification,
      approver: exception.approver,
      expires: exception.expires,
      state: expired ? 'expired' : matched.length > 0 ? 'active' : 'unused',
      matched: matched.map((finding) => ({ finding: finding.id, package: finding.package.name })),
    };
    if (exception.package !== undefined) outcome.package = exception.package;
    outcomes.push(outcome);
  }
  const suppressed: SuppressedFinding[] = [...scan.suppressed];
  for (const [finding, exception] of suppressedBy) {
    suppressed.push({
      finding,
      statement: {
        source: `policy ${policyName} exception ${exception.id} (approved by ${exception.approver}, until ${exception.expires})`,
        status: exception.status,
        justification: exception.justification,
      },
    });
  }
  const after: ScanResult = {
    ...scan,
    findings: scan.findings.filter((finding) => !suppressedBy.has(finding)),
    suppressed,
  };
  return { outcomes, scan: after, rule: exceptionsRule(exceptions, outcomes, suppressedBy.size) };
}

function exceptionsRule(
  exceptions: readonly PolicyException[] | undefined,
  outcomes: ExceptionOutcome[],
  suppressed: number,
): RuleResult {
  const expired = outcomes.filter((outcome) => outcome.state === 'expired');
  const inputs = {
    exceptions: outcomes.length,
    active: outcomes.filter((outcome) => outcome.state === 'active').length,
    unused: outcomes.filter((outcome) => outcome.state === 'unused').length,
    expired: expired.map((outcome) => `${outcome.id}${outcome.package ? ` (${outcome.package})` : ''}`),
    suppressedFindings: suppressed,
  };
  if (exceptions === undefined) {
    return {
      rule: 'exceptions',
      outcome: 'not-configured',
      message: 'no exceptions',
      inputs,
      findings: [],
      packages: [],
    };
  }
  if (expired.length > 0) {
    const list = expired.map(
      (outcome) => `${outcome.id} (expired ${outcome.expires}, approved by ${outcome.approver})`,
    );
    return {
      rule: 'exceptions',
      outcome: 'fail',
      message: `${expired.length} exception(s) expired: ${list.join(', ')}; renew or remove them`,
      inputs,
      findings: [],
      packages: [],
    };
  }
  return {
    rule: 'exceptions',
    outcome: 'pass',
    message: `${inputs.active} exception(s) in force suppressing ${suppressed} finding(s), ${inputs.unused} unused, none expired`,
    inputs,
    findings: [],
    packages: [],
  };
}
