import { z } from 'zod';
import type { RuleName } from './gate-result.js';
import { RULE_REPORTS } from './rules.js';

/**
 * The gate evidence record, version 1: what an auditor needs to re-check a verdict without re-running anything, and
 * the predicate of the gate's in-toto attestation. Findings are referenced (advisory id, package, versions, fix date)
 * rather than copied whole: the advisory text is in the database snapshot the record names. Fields are only ever
 * added with a new version (`schemas/gate-evidence-v1.json` is this schema as JSON Schema, checked by a test).
 */
export const GATE_EVIDENCE_KIND = 'GateEvidence';
/** The in-toto predicateType of the gate attestation; its predicate is this record. */
export const GATE_PREDICATE_TYPE = 'https://patchline.dev/attestation/gate/v1';
export const GATE_EVIDENCE_SCHEMA_ID = 'https://patchline.dev/schemas/gate-evidence-v1.json';

const sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256: and 64 lowercase hex digits');
const timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601');
// Dates that come from advisory publishers are kept as they wrote them (ISO 8601, sometimes a bare date).
const publishedDate = z.string().describe('ISO 8601, as the publisher gave it');

const findingStatus = z.enum(['fix-available', 'no-fix-yet', 'will-not-fix', 'not-affected']);

export const findingReferenceSchema = z
  .object({
    id: z.string().describe('the advisory id, as in the database snapshot'),
    package: z.string(),
    arch: z.string().optional(),
    purl: z.string(),
    installed: z.string().describe('the installed version as its scheme writes it'),
    status: findingStatus,
    fixed: z.string().optional().describe('the first version with the fix'),
    fixAvailableSince: publishedDate.optional(),
  })
  .describe('a finding of the scan, by reference');

// The names of the registered rules (rules.ts), in result order.
const ruleName = z.enum(RULE_REPORTS.map((rule) => rule.name) as [RuleName, ...RuleName[]]);

const xccdfResult = z.enum([
  'pass',
  'fail',
  'error',
  'unknown',
  'notapplicable',
  'notchecked',
  'notselected',
  'informational',
  'fixed',
]);

const complianceEvidence = z
  .object({
    datastream: z.object({ path: z.string(), digest: sha256Digest }),
    profile: z.string(),
    tailoring: z.object({ path: z.string(), digest: sha256Digest }).optional(),
    scanner: z.string().describe('oscap and its version'),
    results: z.array(z.object({ rule: z.string(), result: xccdfResult, excepted: z.boolean().optional() })),
    failing: z.array(z.string()).describe('the rules that fail the gate: fail, error or unknown, and not excepted'),
    exceptions: z.array(
      z.object({
        rule: z.string(),
        justification: z.string(),
        approver: z.string(),
        expires: z.string(),
        state: z.enum(['active', 'unused', 'expired']),
        result: xccdfResult.optional(),
      }),
    ),
    warnings: z.array(z.string()),
    arf: z
      .object({ path: z.string(), digest: sha256Digest })
      .optional()
      .describe("OpenSCAP's ARF results file, kept beside this record"),
  })
  .describe('the compliance rule: the SCAP content evaluated, by digest, and every selected rule result');

const ruleEvidence = z.object({
  rule: ruleName,
  outcome: z.enum(['pass', 'fail', 'report', 'not-configured']),
  message: z.string(),
  inputs: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]))
    .describe('what the rule looked at: the configured limit and the measured value (durations in seconds)'),
  findings: z.array(findingReferenceSchema),
  packages: z.array(
    z.object({
      name: z.string(),
      installed: z.string().optional(),
      pattern: z.string().optional(),
      latest: z.string().optional(),
    }),
  ),
});

const exceptionEvidence = z.object({
  id: z.string(),
  package: z.string().optional(),
  status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation', 'accepted-risk']),
  justification: z.string(),
  approver: z.string(),
  expires: z.string(),
  state: z.enum(['active', 'unused', 'expired']),
  matched: z.array(
    z.object({
      finding: z.string(),
      package: z.string(),
      cves: z.array(z.string()).optional().describe('the CVEs of the finding the exception covers'),
    }),
  ),
});

export const gateEvidenceSchema = z.object({
  apiVersion: z.literal('patchline.dev/v1'),
  kind: z.literal(GATE_EVIDENCE_KIND),
  verdict: z.enum(['pass', 'fail']),
  evaluatedAt: timestamp,
  tool: z.object({ name: z.literal('patchline'), version: z.string() }),
  image: z.object({
    reference: z.string().describe('as given to patchline gate'),
    digest: sha256Digest.optional().describe('the manifest digest of the image that was scanned'),
    unverifiedIdentity: z
      .string()
      .optional()
      .describe(
        'present when the source has no digests of its own (docker-archive): the digest was computed, not checked',
      ),
    created: z.string().optional(),
    base: z.object({ name: z.string(), digest: z.string().optional() }).optional(),
  }),
  policy: z.object({
    path: z.string(),
    digest: sha256Digest.describe("sha256 of the policy file's bytes"),
    name: z.string(),
  }),
  database: z.object({
    snapshotId: z.string(),
    builtAt: timestamp.optional(),
    ageSeconds: z.number().optional().describe('age of the snapshot at evaluation time'),
    sources: z.array(z.string()),
  }),
  rules: z.array(ruleEvidence).describe('every rule of the policy, configured or not'),
  exceptions: z.array(exceptionEvidence),
  compliance: complianceEvidence.optional(),
  exposure: z.object({
    unshippedFixes: z.number().int(),
    oldestFixAvailableSince: publishedDate.optional(),
    oldestFixAgeSeconds: z.number().optional(),
    oldest: z.object({ finding: z.string(), package: z.string() }).optional(),
  }),
  scan: z.object({
    scannedAt: timestamp,
    packages: z.number().int().describe('packages inventoried'),
    os: z.object({ id: z.string(), versionId: z.string().optional() }).optional(),
    ecosystems: z.array(z.object({ ecosystem: z.string(), source: z.string(), note: z.string().optional() })),
    findings: z.object({
      'fix-available': z.number().int(),
      'no-fix-yet': z.number().int(),
      'will-not-fix': z.number().int(),
      'not-affected': z.number().int(),
    }),
    suppressed: z.array(
      z.object({
        finding: findingReferenceSchema,
        statement: z.object({ source: z.string(), status: z.string(), justification: z.string().optional() }),
      }),
    ),
  }),
});

export type GateEvidence = z.infer<typeof gateEvidenceSchema>;
export type FindingReference = z.infer<typeof findingReferenceSchema>;

/** The JSON Schema published as schemas/gate-evidence-v1.json. */
export function gateEvidenceJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(gateEvidenceSchema) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, $id: GATE_EVIDENCE_SCHEMA_ID, title: 'Patchline gate evidence v1', ...rest };
}
