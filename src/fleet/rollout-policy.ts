import { z } from 'zod';
import { type Batch, batchSchema } from './batches.js';
import { durationSchema, parseDuration } from './duration.js';

/**
 * How a release moves over a fleet. A fleet carries its policy; a rollout may override any field of it; whatever
 * neither sets comes from ROLLOUT_POLICY_DEFAULTS.
 */
export const rolloutPolicySchema = z.strictObject({
  /** Listed batches, in order; the hosts none of them takes form one implicit final batch. */
  batches: z.array(batchSchema).optional(),
  /** The share of a batch's applicable hosts that must end healthy (0–1). */
  successThreshold: z.number().min(0).max(1).optional(),
  /** How long a host may take over each step (download, reboot once its window is open, health check). */
  updateTimeout: durationSchema.optional(),
  /** How long a host may stay offline before a batch stops waiting for it. */
  offlineTimeout: durationSchema.optional(),
  /** What a batch that misses its threshold does: stop there, or also send every updated host back. */
  onFailure: z.enum(['halt', 'rollback']).optional(),
  /** Whether each batch after the first waits for someone to approve it. */
  approval: z.enum(['automatic', 'manual']).optional(),
});
export type RolloutPolicy = z.infer<typeof rolloutPolicySchema>;

export interface ResolvedRolloutPolicy {
  batches: readonly Batch[];
  successThreshold: number;
  updateTimeoutMs: number;
  offlineTimeoutMs: number;
  onFailure: 'halt' | 'rollback';
  approval: 'automatic' | 'manual';
}

// Rolling back on failure is the default because the point of health-gated batches is that nobody has to be awake
// when a canary gets sick.
export const ROLLOUT_POLICY_DEFAULTS = {
  batches: [],
  successThreshold: 0.9,
  updateTimeout: '1h',
  offlineTimeout: '30m',
  onFailure: 'rollback',
  approval: 'automatic',
} as const satisfies Required<RolloutPolicy>;

/** The policy in force: the rollout's own fields, else the fleet's policy, else the defaults. */
export function resolveRolloutPolicy(
  fleet: RolloutPolicy | undefined,
  rollout: RolloutPolicy | undefined,
): ResolvedRolloutPolicy {
  const defaults = ROLLOUT_POLICY_DEFAULTS;
  return {
    batches: rollout?.batches ?? fleet?.batches ?? defaults.batches,
    successThreshold: rollout?.successThreshold ?? fleet?.successThreshold ?? defaults.successThreshold,
    updateTimeoutMs: parseDuration(rollout?.updateTimeout ?? fleet?.updateTimeout ?? defaults.updateTimeout),
    offlineTimeoutMs: parseDuration(rollout?.offlineTimeout ?? fleet?.offlineTimeout ?? defaults.offlineTimeout),
    onFailure: rollout?.onFailure ?? fleet?.onFailure ?? defaults.onFailure,
    approval: rollout?.approval ?? fleet?.approval ?? defaults.approval,
  };
}
