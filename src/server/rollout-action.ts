import { z } from 'zod';
import {
  abortRollout,
  approveNextBatch,
  pauseRollout,
  type Rollout,
  type RolloutActionResult,
  resumeRollout,
} from '../fleet/index.js';
import type { ServerContext } from './context.js';
import { present } from './present.js';

export const rolloutActionSchema = z.object({ by: z.string().min(1).optional(), reason: z.string().optional() });
export type RolloutActionBody = z.infer<typeof rolloutActionSchema>;

export const rolloutActionNames = ['pause', 'resume', 'approve', 'abort'] as const;
export type RolloutActionName = (typeof rolloutActionNames)[number];

/**
 * An operator's action on a rollout, from the admin API or the console: the edit is saved (with its event, who and
 * why) and the rollout decided at once, so the answer shows its effect.
 */
export async function actOnRollout(
  context: ServerContext,
  name: string,
  action: RolloutActionName,
  body: RolloutActionBody,
): Promise<Rollout> {
  const now = context.clock();
  const edits: Record<RolloutActionName, (rollout: Rollout) => RolloutActionResult> = {
    pause: (rollout) => pauseRollout(rollout, now, body),
    resume: (rollout) => resumeRollout(rollout, now, body),
    approve: (rollout) => approveNextBatch(rollout, body, now),
    abort: (rollout) => abortRollout(rollout, body.reason ?? '', body.by, now),
  };
  await context.store.editRollout(name, edits[action]);
  await context.controller.tick();
  return present((await context.store.getRollout(name))!);
}
