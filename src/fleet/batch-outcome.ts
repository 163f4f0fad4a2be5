import { z } from 'zod';
import type { HostRolloutState } from './host-state.js';

/** Where the hosts of one batch stand; what a halt reports. */
export const batchBreakdownSchema = z.object({
  total: z.number().int().nonnegative(),
  healthy: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  timedOut: z.number().int().nonnegative(),
  notApplicable: z.number().int().nonnegative(),
  /** Selected and somewhere between download and health check. */
  inProgress: z.number().int().nonnegative(),
  /** Placed in the batch but not selected yet. */
  waiting: z.number().int().nonnegative(),
});
export type BatchBreakdown = z.infer<typeof batchBreakdownSchema>;

export function countBatch(states: Iterable<HostRolloutState>): BatchBreakdown {
  const breakdown: BatchBreakdown = {
    total: 0,
    healthy: 0,
    failed: 0,
    timedOut: 0,
    notApplicable: 0,
    inProgress: 0,
    waiting: 0,
  };
  for (const state of states) {
    breakdown.total++;
    switch (state) {
      case 'healthy':
        breakdown.healthy++;
        break;
      // A host sent back to the previous release did not end healthy on this one.
      case 'failed':
      case 'rolled-back':
        breakdown.failed++;
        break;
      case 'timed-out':
        breakdown.timedOut++;
        break;
      case 'not-applicable':
        breakdown.notApplicable++;
        break;
      case 'pending':
        breakdown.waiting++;
        break;
      case 'selected':
      case 'updating':
      case 'rebooting':
      case 'verifying':
        breakdown.inProgress++;
        break;
    }
  }
  return breakdown;
}

export type BatchVerdict = 'succeeded' | 'failed' | 'in-progress';

/**
 * Whether a batch is done. The threshold is a share of the applicable hosts (not-applicable ones neither help nor
 * hurt). A batch fails as soon as it can no longer reach the threshold even if every undecided host ends healthy,
 * so a sick canary halts the rollout at once instead of after the slowest host. (Undecided hosts that later drop out
 * as not applicable would only lower that best case further: they remove as many chances as they remove hosts.)
 */
export function judgeBatch(breakdown: BatchBreakdown, successThreshold: number): BatchVerdict {
  const applicable = breakdown.total - breakdown.notApplicable;
  const undecided = breakdown.inProgress + breakdown.waiting;
  if (applicable === 0) {
    return 'succeeded';
  }
  // Division rather than multiplying the threshold, so 9 of 10 against 0.9 compares equal as people expect.
  if ((breakdown.healthy + undecided) / applicable < successThreshold) {
    return 'failed';
  }
  return undecided === 0 ? 'succeeded' : 'in-progress';
}

/** "2 of 10 healthy (20%), 7 failed, 1 timed out" for messages. */
export function describeBreakdown(breakdown: BatchBreakdown): string {
  const applicable = breakdown.total - breakdown.notApplicable;
  const percent = applicable === 0 ? 100 : Math.floor((breakdown.healthy / applicable) * 100);
  const parts = [`${breakdown.healthy} of ${applicable} healthy (${percent}%)`];
  if (breakdown.failed > 0) parts.push(`${breakdown.failed} failed`);
  if (breakdown.timedOut > 0) parts.push(`${breakdown.timedOut} timed out`);
  if (breakdown.notApplicable > 0) parts.push(`${breakdown.notApplicable} not applicable`);
  if (breakdown.inProgress + breakdown.waiting > 0) parts.push(`${breakdown.inProgress + breakdown.waiting} undecided`);
  return parts.join(', ');
}
