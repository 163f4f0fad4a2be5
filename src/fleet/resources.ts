import { z } from 'zod';
import { batchBreakdownSchema } from './batch-outcome.js';
import { bootcHostSchema } from './bootc-status.js';
import { disruptionBudgetSchema } from './budget.js';
import { imageDigestSchema } from './digest.js';
import { durationSchema } from './duration.js';
import { hostRecordSchema } from './host-state.js';
import { timestampSchema } from './instant.js';
import { labelSelectorSchema, labelsSchema } from './labels.js';
import { releaseImageSchema, repositorySchema } from './releases.js';
import { rolloutPolicySchema } from './rollout-policy.js';
import { maintenanceWindowsSchema } from './windows.js';

/**
 * The controller's resources, in the shape bootc itself uses for BootcHost and Kubernetes for everything:
 * apiVersion, kind, metadata, spec (what someone wants) and status (what the controller observed and decided).
 * The server validates requests with these same schemas and generates its OpenAPI document from them.
 */
export const API_VERSION = 'patchline.dev/v1';
/** Where the admin API lives, for the server that answers it and the CLI that calls it. */
export const API_PREFIX = `/apis/${API_VERSION}`;

/** Names are DNS-subdomain-like, as in Kubernetes, so they are safe in URLs, labels and file names. */
export const resourceNameSchema = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'expected lower-case letters, digits, "-" and "." (e.g. web-01)');

export const objectMetaSchema = z.object({
  name: resourceNameSchema,
  labels: labelsSchema.optional(),
  uid: z.string().optional(),
  /** Bumped by the store on every spec change. */
  generation: z.number().int().nonnegative().optional(),
  createdAt: timestampSchema.optional(),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

// ── Host ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The host's own verdict on its health (greenboot's checks): healthy, or unhealthy with the checks that failed. */
export const hostHealthSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('healthy') }),
  z.object({ state: z.literal('unhealthy'), failedChecks: z.array(z.string().min(1)).min(1) }),
]);
export type HostHealth = z.infer<typeof hostHealthSchema>;

/** One report: `bootc status --format=json` as the host printed it, and the health of the boot it describes. */
export const hostReportSchema = z.object({
  receivedAt: timestampSchema,
  bootc: bootcHostSchema,
  health: hostHealthSchema.optional(),
});
export type HostReport = z.infer<typeof hostReportSchema>;

/** An image that failed on a host; it is never offered to that host again. */
export const failedDigestSchema = z.object({
  digest: imageDigestSchema,
  at: timestampSchema,
  rollout: resourceNameSchema.optional(),
});
export type FailedDigest = z.infer<typeof failedDigestSchema>;

export const hostSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Host'),
  metadata: objectMetaSchema,
  // Nothing about a host is wanted by hand yet: its labels place it in fleets, and rollouts decide its image.
  spec: z.object({}).optional(),
  status: z
    .object({
      lastSeen: timestampSchema.optional(),
      /**
       * The digest the controller last told this host to run (desired-state poll or registry gateway), and when.
       * It is how a rollout knows a selected host has its instructions.
       */
      lastServed: z.object({ digest: imageDigestSchema, at: timestampSchema }).optional(),
      report: hostReportSchema.optional(),
      failedDigests: z.array(failedDigestSchema).optional(),
      // Judged by the server when it answers (server/present.ts), never stored: a host sent back keeps neither.
      /** Seen within its fleet's hostOfflineAfter (fleet/online.ts). */
      online: z.boolean().optional(),
      /** The fleet whose selector alone matches its labels. */
      fleet: resourceNameSchema.optional(),
    })
    .optional(),
});
export type Host = z.infer<typeof hostSchema>;

// ── Fleet ────────────────────────────────────────────────────────────────────────────────────────────────────────

export const fleetSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Fleet'),
  metadata: objectMetaSchema,
  // Specs are strict: a typo in what someone wants must fail, not be dropped (metadata and status stay open, as
  // documents read back from the API carry fields such as metadata.resourceVersion).
  spec: z.strictObject({
    /** The hosts of the fleet, by their labels. */
    selector: labelSelectorSchema,
    /** The image repository the fleet runs, without tag or digest: quay.io/example/os. */
    image: repositorySchema,
    rolloutPolicy: rolloutPolicySchema.optional(),
    maintenanceWindows: maintenanceWindowsSchema.optional(),
    disruptionBudget: disruptionBudgetSchema.optional(),
    /** How long after its last call a host counts as offline (5m when unset; hosts report every minute). */
    hostOfflineAfter: durationSchema.optional(),
  }),
  status: z
    .object({
      /** The release the whole fleet runs, or is meant to: the last one rolled out to the end. */
      currentRelease: resourceNameSchema.optional(),
    })
    .optional(),
});
export type Fleet = z.infer<typeof fleetSchema>;

export const DEFAULT_HOST_OFFLINE_AFTER = '5m';

// ── Release ──────────────────────────────────────────────────────────────────────────────────────────────────────

export const releaseSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Release'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    fleet: resourceNameSchema,
    /** Immutable: repository@sha256:… of the image (or image index) to run. */
    image: releaseImageSchema,
    /**
     * For an image index, the digests of its per-platform manifests. bootc reports the manifest it pulled, not the
     * index, so a host running any of these runs the release.
     */
    platformDigests: z.array(imageDigestSchema).optional(),
    /** The `patchline gate` verdict; evidence is attached once the gate lands. */
    gate: z.strictObject({ passed: z.boolean(), evidence: z.string().optional() }).optional(),
    /** Roll out although the gate did not pass, and why. */
    force: z.strictObject({ reason: z.string().min(1), by: z.string().optional() }).optional(),
  }),
});
export type Release = z.infer<typeof releaseSchema>;

// ── Rollout ──────────────────────────────────────────────────────────────────────────────────────────────────────

export const rolloutPhases = [
  // Selecting and updating hosts batch by batch.
  'progressing',
  // Paused by hand: hosts already told carry on; nobody new is selected.
  'paused',
  // The previous batch succeeded; the next waits for approval.
  'waiting-for-approval',
  // The release may not roll out (its gate failed and it was not forced, or it names another fleet).
  'blocked',
  // A batch missed its threshold and onFailure is halt. Final.
  'halted',
  // A batch missed its threshold and every host that took the release is being sent back.
  'rolling-back',
  // Every host that took the release is back on the previous one (or timed out getting there). Final.
  'rolled-back',
  // Every batch succeeded. Final.
  'succeeded',
  // Aborted by hand: hosts already told keep the release; nobody new gets it. Final.
  'aborted',
] as const;
export type RolloutPhase = (typeof rolloutPhases)[number];

export const approvalSchema = z.object({
  batch: z.number().int().positive(),
  by: z.string().optional(),
  reason: z.string().optional(),
  at: timestampSchema.optional(),
});
export type Approval = z.infer<typeof approvalSchema>;

export const batchResultSchema = z.object({
  batch: z.number().int().nonnegative(),
  outcome: z.enum(['succeeded', 'failed']),
  breakdown: batchBreakdownSchema,
  at: timestampSchema,
});
export type BatchResult = z.infer<typeof batchResultSchema>;

export const haltSchema = z.object({
  batch: z.number().int().nonnegative(),
  breakdown: batchBreakdownSchema,
  successThreshold: z.number(),
  message: z.string(),
  at: timestampSchema,
});
export type Halt = z.infer<typeof haltSchema>;

export const rolloutStatusSchema = z.object({
  phase: z.enum(rolloutPhases),
  /** The batch being rolled out (or waiting for approval); the final implicit batch is batches.length. */
  batch: z.number().int().nonnegative(),
  message: z.string().optional(),
  /**
   * Hosts of the current batch the last decision could have selected but did not, by why: what a progressing
   * rollout is waiting for (a download window, room in the disruption budget, hosts to come back online).
   */
  heldBack: z
    .object({
      offline: z.number().int().positive().optional(),
      'download-window-closed': z.number().int().positive().optional(),
      'disruption-budget': z.number().int().positive().optional(),
    })
    .optional(),
  hosts: z.record(z.string(), hostRecordSchema),
  batchResults: z.array(batchResultSchema),
  halt: haltSchema.optional(),
  rollback: z
    .object({
      digest: imageDigestSchema,
      startedAt: timestampSchema,
      /** Hosts not back on the previous release by then are marked timed-out (and still followed). */
      deadline: timestampSchema,
    })
    .optional(),
  startedAt: timestampSchema,
  finishedAt: timestampSchema.optional(),
});
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;

export const rolloutSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Rollout'),
  metadata: objectMetaSchema,
  spec: rolloutPolicySchema.extend({
    release: resourceNameSchema,
    /** What a rollback returns to: the fleet's current release when the rollout was created. */
    previousRelease: resourceNameSchema.optional(),
    paused: z.boolean().optional(),
    approvals: z.array(approvalSchema).optional(),
    abort: z
      .object({ reason: z.string().min(1), by: z.string().optional(), at: timestampSchema.optional() })
      .optional(),
  }),
  status: rolloutStatusSchema.optional(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

/** Phases a rollout does not leave. (A rolled-back rollout still follows stragglers home, but selects nobody.) */
export function isFinalPhase(phase: RolloutPhase): boolean {
  return phase === 'halted' || phase === 'rolled-back' || phase === 'succeeded' || phase === 'aborted';
}
