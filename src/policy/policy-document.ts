import { z } from 'zod';
import { POLICY_RULES } from './rules.js';

/**
 * The policy document (`apiVersion: patchline.dev/v1`, `kind: Policy`): what an image must satisfy to pass the gate.
 * Every object is strict, so a misspelt rule (`fixes.maxage`) is an error rather than a rule silently not applied.
 * The JSON Schema for editors (schemas/policy-v1.json) is generated from this one.
 */

// Each section of `spec` is a policy rule's (rules.ts), in the registry's order.
type PolicySections = { [Rule in (typeof POLICY_RULES)[number] as Rule['key']]: Rule['schema'] };
const policySpecFields = z.strictObject(
  Object.fromEntries(POLICY_RULES.map((rule) => [rule.key, rule.schema])) as PolicySections,
);

/** The rules a policy can set; exceptions are not one (they only take findings out of the rules). */
const RULES = POLICY_RULES.filter((rule) => rule.setsNoRule !== true).map((rule) => rule.key);

// An empty policy passes every image, fixes or not: that is a mistake (a wrong file, an unfinished edit), never a
// policy, so it is refused rather than read as "nothing is required".
export const policySpecSchema = policySpecFields.refine(
  (spec) => RULES.some((rule) => (spec as Record<string, unknown>)[rule] !== undefined),
  {
    message: `sets no rule, so it would pass every image; set at least fixes.maxAge (0: every available fix must ship). Rules: ${RULES.join(', ')}`,
  },
);

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
export type { ComplianceException, ComplianceSpec } from './rule-compliance.js';
export { EXCEPTION_STATUSES, type PolicyException } from './rule-exceptions.js';

/** The JSON Schema editors use (published as schemas/policy-v1.json). */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://patchline.dev/schemas/policy-v1.json',
    title: 'Patchline Policy (patchline.dev/v1)',
    ...z.toJSONSchema(policySchema, { target: 'draft-2020-12', io: 'input' }),
  };
}
