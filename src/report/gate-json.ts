import { z } from 'zod';
import type { GateResult } from '../policy/index.js';
import { orderFindings } from './finding-order.js';
import { scanFindingSchema, scanJson, scanJsonSchema } from './scan-json.js';

/**
 * `patchline gate --format json`: the GateResult as is. The schema below fixes the key order (zod writes an object's
 * keys in the order of its shape), so two runs on the same input print the same bytes and diffs stay readable; the
 * `scan` inside is exactly what `patchline scan --format json` prints. Objects are loose so that a field added to
 * GateResult is printed (at the end of its object) before this schema learns about it.
 */
const inputValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

const ruleSchema = z
  .object({
    rule: z.string(),
    outcome: z.enum(['pass', 'fail', 'report', 'not-configured']),
    message: z.string(),
    inputs: z.record(z.string(), inputValue),
    findings: z.array(scanFindingSchema),
    packages: z.array(
      z.object({
        name: z.string(),
        installed: z.string().optional(),
        pattern: z.string().optional(),
        latest: z.string().optional(),
      }),
    ),
  })
  .loose();

const exceptionSchema = z
  .object({
    id: z.string(),
    package: z.string().optional(),
    status: z.string(),
    justification: z.string(),
    approver: z.string(),
    expires: z.string(),
    state: z.enum(['active', 'unused', 'expired']),
    matched: z.array(z.object({ finding: z.string(), package: z.string(), cves: z.array(z.string()).optional() })),
  })
  .loose();

export const gateJsonSchema = z
  .object({
    apiVersion: z.literal('patchline.dev/v1'),
    kind: z.literal('GateResult'),
    verdict: z.enum(['pass', 'fail']),
    evaluatedAt: z.string(),
    tool: z.object({ name: z.literal('patchline'), version: z.string() }),
    image: z
      .object({
        reference: z.string(),
        digest: z.string().optional(),
        created: z.string().optional(),
        base: z.object({ name: z.string(), digest: z.string().optional() }).optional(),
      })
      .loose(),
    policy: z.object({ path: z.string(), digest: z.string(), name: z.string() }).loose(),
    database: z
      .object({
        path: z.string(),
        snapshotId: z.string(),
        builtAt: z.string().optional(),
        ageSeconds: z.number().optional(),
        sources: z.array(z.string()),
      })
      .loose(),
    rules: z.array(ruleSchema),
    exceptions: z.array(exceptionSchema),
    exposure: z
      .object({
        unshippedFixes: z.number().int(),
        oldestFixAvailableSince: z.string().optional(),
        oldestFixAgeSeconds: z.number().optional(),
        oldest: z.object({ finding: z.string(), package: z.string() }).optional(),
      })
      .loose(),
    scan: scanJsonSchema,
  })
  .loose();

export function gateJson(result: GateResult): string {
  const document = gateJsonSchema.parse({
    ...result,
    rules: result.rules.map((rule) => ({
      ...rule,
      inputs: Object.fromEntries(Object.entries(rule.inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      findings: orderFindings(rule.findings),
    })),
    scan: JSON.parse(scanJson(result.scan)),
  });
  return `${JSON.stringify(document, null, 2)}\n`;
}
