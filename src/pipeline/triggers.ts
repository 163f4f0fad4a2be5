import {
  cronFiresAt,
  cronSchedule,
  type Fix,
  fixKey,
  type PipelineRun,
  type PipelineSpec,
  parseDuration,
  type Trigger,
  toTimestamp,
} from '../fleet/index.js';

/**
 * Whether a pipeline should build now, and what for: a pure function of the pipeline, its past runs, what the edges
 * observed (the base image's digest, the source's digest, the fixes the current image lacks) and the time.
 */
export interface TriggerInputs {
  spec: PipelineSpec;
  now: number;
  /** The pipeline's runs, newest first. */
  runs: readonly PipelineRun[];
  /** What the Containerfile's base resolves to now. */
  base?: { name: string; digest: string } | undefined;
  sourceDigest?: string | undefined;
  /** The fixes the current image lacks, or undefined when there is no current image yet. */
  missingFixes: readonly Fix[] | undefined;
  /** Fixes shipped in a release that failed: they wait for something new rather than rebuild the same image. */
  blockedFixes: ReadonlySet<string>;
}

export type TriggerDecision =
  | { action: 'build'; triggers: Trigger[]; fixes: Fix[] }
  | { action: 'wait'; reason: string; until: number }
  | { action: 'none'; reason: string };

/** A run that outlives its lease died with its process; the next run may start. */
export function activeRun(runs: readonly PipelineRun[], now: number): PipelineRun | undefined {
  return runs.find(
    (run) =>
      run.status.outcome === 'running' &&
      run.status.leaseUntil !== undefined &&
      Date.parse(run.status.leaseUntil) > now,
  );
}

/** The newest run that got as far as starting a build: the inputs the triggers compare with. */
export function lastBuildAttempt(runs: readonly PipelineRun[]): PipelineRun | undefined {
  return runs.find((run) => run.status.steps.some((step) => step.name === 'build'));
}

// Bounded, so a pipeline that has not run for a year does not walk half a million minutes.
const SCHEDULE_LOOKBACK_MS = 8 * 24 * 3600_000;
const MINUTE_MS = 60_000;

/** The latest minute in (after, now] at which the schedule fired, if any. */
export function lastScheduledAt(cron: string, timeZone: string, after: number, now: number): number | undefined {
  const schedule = cronSchedule(cron);
  const floor = Math.max(after, now - SCHEDULE_LOOKBACK_MS);
  for (let minute = Math.floor(now / MINUTE_MS) * MINUTE_MS; minute > floor; minute -= MINUTE_MS) {
    if (cronFiresAt(schedule, timeZone, minute)) return minute;
  }
  return undefined;
}

export function decideTriggers(inputs: TriggerInputs): TriggerDecision {
  const { spec, now, runs } = inputs;
  const running = activeRun(runs, now);
  if (running !== undefined) {
    return {
      action: 'wait',
      reason: `run ${running.metadata.name} is still going`,
      until: Date.parse(running.status.leaseUntil ?? toTimestamp(now)),
    };
  }
  const last = lastBuildAttempt(runs);
  const triggers = spec.triggers ?? {};
  const pending = (inputs.missingFixes ?? []).filter((fix) => !inputs.blockedFixes.has(fixKey(fix)));
  const found: Trigger[] = [];

  if (inputs.missingFixes === undefined && !runs.some((run) => run.status.image?.pushed === true)) {
    found.push({ type: 'initial', detail: 'no image has been published yet' });
  }
  if (spec.source !== undefined && triggers.baseImage !== false && inputs.base !== undefined) {
    const before = last?.status.base?.digest;
    if (last !== undefined && before !== inputs.base.digest) {
      found.push({
        type: 'base-image',
        detail: `${inputs.base.name} moved from ${before ?? 'unknown'} to ${inputs.base.digest}`,
        digest: inputs.base.digest,
      });
    }
  }
  if (triggers.source !== false && inputs.sourceDigest !== undefined && last !== undefined) {
    if (last.status.sourceDigest !== inputs.sourceDigest) {
      found.push({ type: 'source', detail: 'the build context changed', digest: inputs.sourceDigest });
    }
  }
  if (triggers.fixes !== false && pending.length > 0 && !sameFailedAttempt(last, inputs, pending)) {
    found.push({
      type: 'fixes',
      detail: `${pending.length} published fix${pending.length === 1 ? '' : 'es'} not in the current image`,
    });
  }
  if (triggers.schedule !== undefined) {
    const since = last === undefined ? now - SCHEDULE_LOOKBACK_MS : Date.parse(last.status.startedAt);
    const at = lastScheduledAt(triggers.schedule.cron, triggers.schedule.timeZone, since, now);
    if (at !== undefined) {
      found.push({
        type: 'schedule',
        detail: `${triggers.schedule.cron} (${triggers.schedule.timeZone})`,
        at: toTimestamp(at),
      });
    }
  }

  if (found.length === 0) {
    const blocked = (inputs.missingFixes ?? []).length - pending.length;
    return {
      action: 'none',
      reason:
        blocked > 0
          ? `nothing new: ${blocked} fix${blocked === 1 ? ' is' : 'es are'} blocked on a failed release`
          : pending.length > 0
            ? 'nothing new: the last build with these inputs failed its tests'
            : 'nothing to do: no new base, source or fix',
    };
  }
  if (triggers.debounce !== undefined && last !== undefined) {
    const until = Date.parse(last.status.startedAt) + parseDuration(triggers.debounce);
    if (until > now) {
      return { action: 'wait', reason: `debounced: the last build started less than ${triggers.debounce} ago`, until };
    }
  }
  return { action: 'build', triggers: found, fixes: pending };
}

/**
 * Tests that failed on exactly these inputs fail again: rebuilding would only burn time. A fix that was not
 * installable is different: the repository may have it now, so that case builds again.
 */
function sameFailedAttempt(last: PipelineRun | undefined, inputs: TriggerInputs, pending: readonly Fix[]): boolean {
  if (last === undefined || last.status.outcome !== 'test-failed') return false;
  if (last.status.base?.digest !== inputs.base?.digest || last.status.sourceDigest !== inputs.sourceDigest)
    return false;
  const tried = new Set(last.status.fixes.map(fixKey));
  return pending.every((fix) => tried.has(fixKey(fix)));
}
