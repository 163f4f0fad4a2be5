import { z } from 'zod';
import { fromTimestamp, timestampSchema } from './instant.js';
import { resourceNameSchema } from './resources.js';

/**
 * The exposure ledger: for one fix (an advisory for a package) on one fleet, when each stage between its
 * publication and the last host booting it happened. The pipeline records the stages it sees (detected, built,
 * released, rollout started); the controller records the last one, from host reports, when a rollout of a release
 * holding the fix leaves every host of it healthy.
 */

export const exposureStages = [
  'published',
  'available',
  'seen',
  'detected',
  'built',
  'released',
  'rolloutStarted',
  'completed',
] as const;
export type ExposureStage = (typeof exposureStages)[number];

export const exposureStates = ['open', 'not-installable', 'blocked', 'closed'] as const;
export type ExposureState = (typeof exposureStates)[number];

export const exposureSchema = z.strictObject({
  fleet: resourceNameSchema,
  advisory: z.string().min(1).max(200),
  package: z.string().min(1).max(200),
  fixedVersion: z.string().max(200).optional(),
  cves: z.array(z.string().max(64)).max(500).optional(),
  state: z.enum(exposureStates),
  /** Why it is blocked or not installable, or what is left. */
  note: z.string().max(1000).optional(),
  stages: z.strictObject(
    Object.fromEntries(exposureStages.map((stage) => [stage, timestampSchema.optional()])) as Record<
      ExposureStage,
      z.ZodOptional<typeof timestampSchema>
    >,
  ),
  /** The releases of the fleet whose image holds the fix. */
  releases: z.array(resourceNameSchema).max(1000),
});
export type Exposure = z.infer<typeof exposureSchema>;

export function exposureKey(exposure: Pick<Exposure, 'fleet' | 'advisory' | 'package'>): string {
  return `${exposure.fleet} ${exposure.advisory} ${exposure.package}`;
}

/**
 * Folds a newer observation into what the ledger holds. Each stage keeps its first time (the first image built with
 * the fix, not the latest); the state follows the newer observation, except that a closed exposure stays closed.
 */
export function mergeExposure(previous: Exposure | undefined, update: Exposure): Exposure {
  if (previous === undefined) return update;
  const stages: Exposure['stages'] = { ...previous.stages };
  for (const stage of exposureStages) {
    const next = update.stages[stage];
    const before = stages[stage];
    if (next !== undefined && (before === undefined || fromTimestamp(next) < fromTimestamp(before))) {
      stages[stage] = next;
    }
  }
  const closed = previous.state === 'closed';
  const merged: Exposure = {
    ...previous,
    ...(update.fixedVersion === undefined ? {} : { fixedVersion: update.fixedVersion }),
    ...(update.cves === undefined ? {} : { cves: update.cves }),
    state: closed ? 'closed' : update.state,
    stages,
    releases: [...new Set([...previous.releases, ...update.releases])].sort(),
  };
  const note = closed ? previous.note : update.note;
  if (note === undefined) delete merged.note;
  else merged.note = note;
  return merged;
}

/** The exposure window, in seconds: publication (or availability) to the last host, or to `now` while open. */
export function exposureWindowSeconds(exposure: Exposure, now: number): number | undefined {
  const start = exposure.stages.published ?? exposure.stages.available;
  if (start === undefined) return undefined;
  const end =
    exposure.state === 'closed' && exposure.stages.completed !== undefined
      ? fromTimestamp(exposure.stages.completed)
      : now;
  return Math.max(0, (end - fromTimestamp(start)) / 1000);
}

export interface StageDuration {
  /** The stage reached, and the one before it that it is measured from. */
  stage: ExposureStage;
  from: ExposureStage;
  seconds: number;
}

/** Each stage's time since the previous stage that has one, in ledger order. */
export function stageDurations(exposure: Exposure): StageDuration[] {
  const durations: StageDuration[] = [];
  let previous: { stage: ExposureStage; at: number } | undefined;
  for (const stage of exposureStages) {
    const at = exposure.stages[stage];
    if (at === undefined) continue;
    const ms = fromTimestamp(at);
    if (previous !== undefined) {
      durations.push({ stage, from: previous.stage, seconds: Math.max(0, (ms - previous.at) / 1000) });
    }
    previous = { stage, at: ms };
  }
  return durations;
}

/**
 * When every host of a rollout booted the release and passed its health checks: the moment the last one did. A
 * host in any other state (failed, timed out, not applicable) still lacks the fix, so the exposure stays open.
 */
export function lastHostHealthyAt(
  hosts: Readonly<Record<string, { state: string; since: string }>>,
): number | undefined {
  let latest = 0;
  let count = 0;
  for (const record of Object.values(hosts)) {
    if (record.state !== 'healthy') return undefined;
    latest = Math.max(latest, fromTimestamp(record.since));
    count++;
  }
  return count === 0 ? undefined : latest;
}
