import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN, durationSeconds } from '../core/index.js';
import type { ExceptionOutcome } from './gate-result.js';

/**
 * The policy document (`apiVersion: patchline.dev/v1`, `kind: Policy`): what an image must satisfy to pass the gate.
 * Every object is strict, so a misspelt rule (`fixes.maxage`) is an error rather than a rule silently not applied.
 * The JSON Schema for editors (schemas/policy-v1.json) is generated from this one.
 */

// `0` (the strict zero-CVE posture), or days/hours/... as people write them: the tool's one grammar (src/core/duration.ts),
// whose pattern is also what the editors' JSON Schema checks.
const DURATION_MESSAGE = `expected ${DURATION_HINT}`;

const duration = z
  .union(
    [
      z.literal(0),
      z
        .string()
        .regex(DURATION_PATTERN, { message: DURATION_MESSAGE, abort: true })
        .refine((text) => durationSeconds(text) !== undefined, DURATION_MESSAGE),
    ],
    { error: DURATION_MESSAGE },
  )
  .describe('A duration: 0, or a number with a unit, e.g. 72h, 30d, 2w, 1d12h');

const glob = z
  .string()
  .min(1, 'expected a package name or glob (* and ?)')
  .describe('A package name, or a glob over package names (* any characters, ? one character)');

export const EXCEPTION_STATUSES = [
  'not_affected',
  'affected',
  'fixed',
  'under_investigation',
  'accepted-risk',
] as const satisfies ReadonlyArray<ExceptionOutcome['status']>;

const nonEmpty = (what: string) => z.string().trim().min(1, `expected ${what}`);

const exceptionSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^\S+$/, 'expected a CVE or advisory id such as CVE-2024-1234 or ALSA-2024:1234')
      .describe('The CVE or advisory id the exception is about; it matches a finding by its id, aliases or CVEs'),
    package: glob.optional().describe('Limit the exception to packages with this name (or source name); a glob'),
    status: z.enum(EXCEPTION_STATUSES, { error: `expected one of ${EXCEPTION_STATUSES.join(', ')}` }),
    justification: nonEmpty('a justification'),
    approver: nonEmpty('the approver'),
    expires: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })], {
        error: 'expected a date (2026-12-31) or a date and time (2026-12-31T12:00:00Z)',
      })
      .describe('When the exception stops applying: a date (its start, 00:00 UTC) or an ISO 8601 date and time'),
  })
  .describe('A VEX-shaped statement that takes matching findings out of the gate until it expires');

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
    expires: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })], {
        error: 'expected a date (2026-12-31) or a date and time (2026-12-31T12:00:00Z)',
      })
      .describe('When the exception stops applying: a date (its start, 00:00 UTC) or an ISO 8601 date and time'),
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

/** The rules a policy can set; exceptions are not one (they only take findings out of the rules). */
const RULES = ['fixes', 'unfixed', 'image', 'base', 'packages', 'kernel', 'database', 'compliance'] as const;

const policySpecFields = z.strictObject({
  fixes: z
    .strictObject({
      maxAge: duration.describe('A fix available longer than this and not in the image fails the gate; 0: any fix'),
    })
    .optional(),
  unfixed: z
    .enum(['report', 'fail'], { error: 'expected report or fail' })
    .optional()
    .describe('Findings with no fix yet or that will not be fixed: listed (report, the default) or failing (fail)'),
  image: z
    .strictObject({ maxAge: duration.describe('The image config\'s "created" may be at most this old') })
    .optional(),
  base: z
    .strictObject({
      mustBeLatest: z
        .union([z.boolean(), z.string().min(1)], {
          error: 'expected true, false or an image reference such as quay.io/fedora/fedora-bootc:41',
        })
        .describe(
          'true: the base named by the org.opencontainers.image.base.name/.digest labels is still what its tag points to; a reference: that tag instead of the label',
        ),
    })
    .optional(),
  packages: z
    .strictObject({
      forbidden: z.array(glob).optional().describe('No installed package may match one of these'),
      required: z.array(glob).optional().describe('Each of these must match an installed package'),
    })
    .optional(),
  kernel: z
    .strictObject({
      mustBeLatest: z
        .boolean({ error: 'expected true or false' })
        .describe('The image boots the newest kernel build the advisory data knows as a fix for its OS release'),
    })
    .optional(),
  exceptions: z.array(exceptionSchema).optional(),
  database: z
    .strictObject({
      maxAge: duration.describe('The advisory data for the image may be at most this old (since its last update)'),
    })
    .optional(),
  compliance: complianceSchema.optional(),
});

// An empty policy passes every image, fixes or not: that is a mistake (a wrong file, an unfinished edit), never a
// policy, so it is refused rather than read as "nothing is required".
export const policySpecSchema = policySpecFields.refine((spec) => RULES.some((rule) => spec[rule] !== undefined), {
  message: `sets no rule, so it would pass every image; set at least fixes.maxAge (0: every available fix must ship). Rules: ${RULES.join(', ')}`,
});

export const policySchema = z
  .strictObject({
    apiVersion: z.literal('patchline.dev/v1', { error: 'expected patchline.dev/v1' }),
    kind: z.literal('Policy', { error: 'expected Policy' }),
    metadata: z.strictObject({
      name: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a lower-case name (letters, digits, - and .)')
        .max(253),
      description: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: policySpecSchema,
  })
  .describe('A Patchline gate policy: every available fix ships, within a set time, whatever its severity');

export type Policy = z.infer<typeof policySchema>;
export type PolicySpec = Policy['spec'];
export type PolicyException = NonNullable<PolicySpec['exceptions']>[number];
export type ComplianceSpec = NonNullable<PolicySpec['compliance']>;
export type ComplianceException = NonNullable<ComplianceSpec['exceptions']>[number];

/** The JSON Schema editors use (published as schemas/policy-v1.json). */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://patchline.dev/schemas/policy-v1.json',
    title: 'Patchline Policy (patchline.dev/v1)',
    ...z.toJSONSchema(policySchema, { target: 'draft-2020-12', io: 'input' }),
  };
}
