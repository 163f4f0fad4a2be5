import { z } from 'zod';
import type { ExceptionOutcome } from './gate-result.js';
import { policyRule } from './policy-rule.js';
import { expires, glob, nonEmpty } from './schema-parts.js';

export const EXCEPTION_STATUSES = [
  'not_affected',
  'affected',
  'fixed',
  'under_investigation',
  'accepted-risk',
] as const satisfies ReadonlyArray<ExceptionOutcome['status']>;

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
    expires: expires,
  })
  .describe('A VEX-shaped statement that takes matching findings out of the gate until it expires');

export type PolicyException = z.output<typeof exceptionSchema>;

/**
 * exceptions: they are applied before any rule runs (every rule over findings sees the findings they take out, see
 * exceptions.ts); as a rule, an expired one fails the gate.
 */
export const exceptionsPolicy = policyRule({
  key: 'exceptions',
  schema: z.array(exceptionSchema).optional(),
  setsNoRule: true,
  example: [
    {
      id: 'CVE-2024-1234',
      status: 'not_affected',
      justification: 'the vulnerable code is not reachable',
      approver: 'security team',
      expires: '2099-12-31',
    },
  ],
  reports: [
    {
      name: 'exceptions',
      title: 'ExceptionsInForce',
      help: 'Every exception must be in force: an expired exception fails the gate.',
    },
  ],
  evaluate: (_section, { exceptions }) => [exceptions.rule],
});
