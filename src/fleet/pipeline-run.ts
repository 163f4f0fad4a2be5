import { z } from 'zod';
import { imageDigestSchema } from './digest.js';
import { timestampSchema } from './instant.js';
import { resourceNameSchema } from './resources.js';

/**
 * What one pass of a pipeline did, step by step. The CLI keeps it as a file in the run's folder and sends it to the
 * controller after every step, so a crash, a refused push or an unreachable controller leaves a record of exactly
 * how far the run got (a pushed image without a release, say) rather than nothing.
 */

/** One fix: an advisory for a package. Its key, `advisory package`, identifies it in the exposure ledger. */
export const fixSchema = z.strictObject({
  advisory: z.string().min(1).max(200),
  package: z.string().min(1).max(200),
  fixedVersion: z.string().max(200).optional(),
  cves: z.array(z.string().max(64)).max(500).optional(),
});
export type Fix = z.infer<typeof fixSchema>;

export function fixKey(fix: Pick<Fix, 'advisory' | 'package'>): string {
  return `${fix.advisory} ${fix.package}`;
}

export const triggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('initial'), detail: z.string() }),
  z.strictObject({ type: z.literal('base-image'), detail: z.string(), digest: z.string() }),
  z.strictObject({ type: z.literal('fixes'), detail: z.string() }),
  z.strictObject({ type: z.literal('schedule'), detail: z.string(), at: timestampSchema }),
  z.strictObject({ type: z.literal('source'), detail: z.string(), digest: z.string() }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const stepNames = ['build', 'verify', 'test', 'publish', 'release', 'promote'] as const;

export const stepRecordSchema = z.strictObject({
  /** `build`, `verify`, `test smoke`, `gate policy.yaml`, `publish`, `release`, `promote canary`. */
  name: z.string().min(1).max(300),
  status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
  startedAt: timestampSchema,
  finishedAt: timestampSchema.optional(),
  message: z.string().max(4000).optional(),
  /** The end of the step's output, for the report (the whole log stays in the run's folder). */
  outputTail: z.string().max(16_384).optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

export const missingFixSchema = z.strictObject({
  fix: fixSchema,
  /** The version the new image still has. */
  installed: z.string().max(200).optional(),
  reason: z.string().max(1000),
});
export type MissingFix = z.infer<typeof missingFixSchema>;

export const runOutcomes = [
  // Still going (or died: a run whose lease ran out is taken as interrupted).
  'running',
  // Nothing to do: no trigger, or waiting for a promotion's condition.
  'idle',
  // A new image was released (and promoted as far as its conditions allow).
  'shipped',
  // Built, but the image changes no package, or lacks every fix the run meant to ship: no release.
  'no-change',
  'build-failed',
  'test-failed',
  'publish-failed',
  // The image is published but the controller could not be told (the run's record says what was pushed).
  'release-failed',
  'error',
  // A later run found this one unfinished past its lease.
  'interrupted',
] as const;
export type RunOutcome = (typeof runOutcomes)[number];

export const pipelineRunSchema = z.strictObject({
  apiVersion: z.literal('patchline.dev/v1'),
  kind: z.literal('PipelineRun'),
  metadata: z.strictObject({ name: resourceNameSchema, pipeline: resourceNameSchema }),
  status: z.strictObject({
    outcome: z.enum(runOutcomes),
    startedAt: timestampSchema,
    finishedAt: timestampSchema.optional(),
    /** Until then no other run of the pipeline may start; a run renews it as it goes. */
    leaseUntil: timestampSchema.optional(),
    message: z.string().max(4000).optional(),
    triggers: z.array(triggerSchema).max(50),
    /** The fixes the run set out to ship. */
    fixes: z.array(fixSchema).max(10_000),
    base: z.strictObject({ name: z.string().max(500), digest: z.string().max(100) }).optional(),
    sourceDigest: z.string().max(100).optional(),
    steps: z.array(stepRecordSchema).max(100),
    image: z
      .strictObject({
        /** repository@sha256:…: the digest that was scanned, gated and pushed. */
        reference: z.string().max(600),
        digest: imageDigestSchema,
        builtAt: timestampSchema,
        pushed: z.boolean(),
        tags: z.array(z.string().max(128)).max(16).optional(),
      })
      .optional(),
    shipped: z.array(fixSchema).max(10_000).optional(),
    missing: z.array(missingFixSchema).max(10_000).optional(),
    releases: z
      .array(z.strictObject({ fleet: resourceNameSchema, release: resourceNameSchema }))
      .max(50)
      .optional(),
    /** sha256 of the gate evidence the release was made with. */
    evidence: z.string().max(100).optional(),
  }),
});
export type PipelineRun = z.infer<typeof pipelineRunSchema>;
