import { z } from 'zod';
import { expiryOf } from './exceptions.js';
import type { ComplianceFacts } from './gate-inputs.js';
import type { ComplianceExceptionOutcome, ComplianceOutcome, RuleResult, XccdfResult } from './gate-result.js';
import { policyRule } from './policy-rule.js';
import { expires, nonEmpty } from './schema-parts.js';

const complianceExceptionSchema = z
  .strictObject({
    rule: z
      .string()
      .regex(
        /^xccdf_\S+_rule_\S+$/,
        'expected an XCCDF rule id such as xccdf_org.ssgproject.content_rule_sshd_disable_root_login',
      )
      .describe('The XCCDF rule id, as the datastream and the results name it'),
    justification: nonEmpty('a justification'),
    approver: nonEmpty('the approver'),
    expires: expires,
  })
  .describe('An approved waiver that keeps one failing XCCDF rule from failing the gate until it expires');

const complianceSchema = z
  .strictObject({
    datastream: z
      .string()
      .min(1, 'expected the path of a SCAP source datastream')
      .describe(
        'A SCAP 1.2/1.3 source datastream (e.g. /usr/share/xml/scap/ssg/content/ssg-rhel9-ds.xml); relative to the policy file',
      ),
    profile: z
      .string()
      .regex(/^\S+$/, 'expected an XCCDF profile id such as xccdf_org.ssgproject.content_profile_cis')
      .describe('The XCCDF profile to evaluate (oscap info DATASTREAM lists them), or a profile of the tailoring file'),
    tailoring: z
      .string()
      .min(1, 'expected the path of an XCCDF tailoring file')
      .optional()
      .describe('An XCCDF tailoring file (rules selected or values changed); relative to the policy file'),
    exceptions: z.array(complianceExceptionSchema).optional(),
  })
  .describe(
    "The image's merged root filesystem is evaluated offline with OpenSCAP against this profile; a rule that fails (or ends in error or unknown) fails the gate unless an exception in force names it",
  );

export type ComplianceSpec = z.output<typeof complianceSchema>;
export type ComplianceException = NonNullable<ComplianceSpec['exceptions']>[number];

/** compliance: OpenSCAP's results are judged once before the rules run (the result records them whole, beside). */
export const compliancePolicy = policyRule({
  key: 'compliance',
  schema: complianceSchema.optional(),
  example: { datastream: 'ssg-almalinux9-ds.xml', profile: 'xccdf_org.ssgproject.content_profile_cis' },
  reports: [
    {
      name: 'compliance',
      title: 'ProfileCompliance',
      help: 'The image must pass the SCAP profile the policy names, evaluated offline by OpenSCAP.',
    },
  ],
  evaluate: (_section, { compliance }) => [compliance.rule],
});

// error and unknown mean OpenSCAP could not tell: fail closed, like a fail, until someone looks (an exception can say so).
const FAILING: ReadonlySet<XccdfResult> = new Set(['fail', 'error', 'unknown']);
// The results that say something about the image; notapplicable, notchecked and informational judge nothing.
const JUDGED: ReadonlySet<XccdfResult> = new Set(['pass', 'fixed', 'fail', 'error', 'unknown']);

/**
 * compliance: the image's root filesystem against a SCAP profile (evaluated by compliance-scan.ts). A rule that fails,
 * or ends in error or unknown, fails the gate unless an exception in force names it; an expired exception waives
 * nothing and fails the gate itself. A profile that judged no rule at all fails too: that is a datastream for another
 * OS (its platform check made every rule notapplicable), not a compliant image.
 */
export function complianceRule(
  spec: ComplianceSpec | undefined,
  facts: ComplianceFacts | undefined,
  now: number,
): { rule: RuleResult; outcome?: ComplianceOutcome } {
  const base = { rule: 'compliance' as const, findings: [], packages: [] };
  if (spec === undefined) {
    return { rule: { ...base, outcome: 'not-configured', message: 'not configured', inputs: { profile: null } } };
  }
  if (facts === undefined) {
    // Inputs gathered by something that did not run OpenSCAP: never a pass.
    const message = `profile ${spec.profile} was not evaluated: no OpenSCAP results were gathered`;
    return { rule: { ...base, outcome: 'fail', message, inputs: { profile: spec.profile } } };
  }
  const resultOf = new Map(facts.results.map((result) => [result.rule, result.result]));
  const exceptions: ComplianceExceptionOutcome[] = (spec.exceptions ?? []).map((exception) => {
    const result = resultOf.get(exception.rule);
    const expired = !(now < expiryOf(exception));
    const outcome: ComplianceExceptionOutcome = {
      rule: exception.rule,
      justification: exception.justification,
      approver: exception.approver,
      expires: exception.expires,
      state: expired ? 'expired' : result !== undefined && FAILING.has(result) ? 'active' : 'unused',
    };
    if (result !== undefined) outcome.result = result;
    return outcome;
  });
  const waived = new Set(exceptions.filter((e) => e.state === 'active').map((e) => e.rule));
  const results = facts.results.map((result) =>
    waived.has(result.rule) && FAILING.has(result.result) ? { ...result, excepted: true } : { ...result },
  );
  const failing = results.filter((result) => FAILING.has(result.result) && !result.excepted).map((r) => r.rule);
  const expired = exceptions.filter((exception) => exception.state === 'expired');
  const outcome: ComplianceOutcome = { ...facts, results, failing, exceptions };
  const counts: Record<string, number> = {};
  for (const { result } of results) counts[result] = (counts[result] ?? 0) + 1;
  const judged = results.filter((result) => JUDGED.has(result.result)).length;
  const inputs: RuleResult['inputs'] = {
    datastream: facts.datastream.path,
    datastreamDigest: facts.datastream.digest,
    profile: facts.profile,
    tailoring: facts.tailoring?.path ?? null,
    tailoringDigest: facts.tailoring?.digest ?? null,
    scanner: facts.scanner,
    selected: results.length,
    ...Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1))),
    failing,
    excepted: [...waived].sort(),
    expiredExceptions: expired.map((exception) => exception.rule),
  };
  const profile = `profile ${facts.profile}`;
  const tally = Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([result, count]) => `${count} ${result}`)
    .join(', ');
  if (judged === 0) {
    const message = `${profile} judged no rule of this image (${tally || 'none selected'}): a datastream for another OS, or a profile that selects nothing`;
    return { rule: { ...base, outcome: 'fail', message, inputs }, outcome };
  }
  const problems: string[] = [];
  if (failing.length > 0) problems.push(`${failing.length} rule(s) fail: ${failing.map(shortRule).join(', ')}`);
  if (expired.length > 0) {
    const list = expired.map((e) => `${shortRule(e.rule)} (expired ${e.expires}, approved by ${e.approver})`);
    problems.push(`${expired.length} exception(s) expired: ${list.join(', ')}; renew or remove them`);
  }
  if (problems.length > 0) {
    return { rule: { ...base, outcome: 'fail', message: `${profile}: ${problems.join('; ')}`, inputs }, outcome };
  }
  const excepted = waived.size > 0 ? `, ${waived.size} waived by exceptions` : '';
  return { rule: { ...base, outcome: 'pass', message: `${profile}: ${tally}${excepted}`, inputs }, outcome };
}

/** `sshd_disable_root_login` for `xccdf_org.ssgproject.content_rule_sshd_disable_root_login`, in one-line messages. */
export function shortRule(id: string): string {
  const at = id.indexOf('_rule_');
  return at === -1 ? id : id.slice(at + '_rule_'.length);
}
