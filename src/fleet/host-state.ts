import { z } from 'zod';
import type { HostObservation } from './host-observation.js';
import { fromTimestamp, timestampSchema, toTimestamp } from './instant.js';

/**
 * Where one host stands in one rollout.
 *
 *   pending ─▶ selected ─▶ updating ─▶ rebooting ─▶ verifying ─▶ healthy
 *               (chosen)   (it was      (new image    (booted it,    (booted it and
 *                           served the   staged)       health not     greenboot passed)
 *                           release)                   known yet)
 * Off the happy path: failed (it rolled itself back, or booted unhealthy), timed-out (no progress in time, or
 * offline too long), not-applicable (cannot take this rollout: not bootc, never reported, offline before it started,
 * left the fleet, or this image failed on it before), rolled-back (back on the previous release after a rollback).
 */
export const hostRolloutStates = [
  'pending',
  'selected',
  'updating',
  'rebooting',
  'verifying',
  'healthy',
  'failed',
  'rolled-back',
  'timed-out',
  'not-applicable',
] as const;
export type HostRolloutState = (typeof hostRolloutStates)[number];

/** Why a host moved: a small fixed set, so dashboards and metrics can count them. */
export const transitionReasons = [
  'joined',
  'rejoined',
  'selected',
  'release-served',
  'staged',
  'booted',
  'health-passed',
  'already-running',
  'host-rolled-back',
  'health-failed',
  'update-timeout',
  'offline',
  'incompatible',
  'no-report',
  'left-fleet',
  'failed-before',
  'returned-to-previous',
  'rollback-timeout',
  'window-closed',
  'withdrawn',
] as const;
export type TransitionReason = (typeof transitionReasons)[number];

export const hostRecordSchema = z.object({
  state: z.enum(hostRolloutStates),
  reason: z.enum(transitionReasons),
  detail: z.string().optional(),
  since: timestampSchema,
  /** The batch the host started in. Set when it is selected; until then its place is planned afresh each time. */
  batch: z.number().int().nonnegative().optional(),
  /** While in flight: when the host times out unless it moves on. */
  deadline: timestampSchema.optional(),
  /**
   * The release already sat in the host's rollback slot when it was selected: the controller (or someone) sent the
   * host back from it before, since a release that failed on it is never offered again. Until the host stages or
   * boots the release in this rollout, that slot is no sign that greenboot rolled it back.
   */
  releaseInRollbackSlot: z.literal(true).optional(),
});
export type HostRecord = z.infer<typeof hostRecordSchema>;

/** Told to update and not yet done: these hosts count against the disruption budget. */
export function isInFlight(state: HostRolloutState): boolean {
  return state === 'selected' || state === 'updating' || state === 'rebooting' || state === 'verifying';
}

/** Counted as decided when judging a batch. */
export function isSettled(state: HostRolloutState): boolean {
  return state !== 'pending' && !isInFlight(state);
}

export interface HostStep {
  to: HostRolloutState;
  reason: TransitionReason;
  detail?: string | undefined;
  /** A new deadline, for steps into a state that has one. */
  deadline?: number | undefined;
  /** At selection: the release is in the host's rollback slot already (see hostRecordSchema). */
  releaseInRollbackSlot?: true | undefined;
}

export interface StepContext {
  now: number;
  /** The digests that count as running the release (its own, and its per-platform manifests). */
  releaseDigests: ReadonlySet<string>;
  updateTimeoutMs: number;
  offlineTimeoutMs: number;
  /** When a host that stages now could start rebooting: now inside a reboot window, else when the next one opens. */
  rebootOpensAt: () => number;
  /** Whether hosts may start downloading now. */
  downloadWindowOpen: boolean;
  /** Whether the rollout still takes hosts in, so hosts that were not applicable may join again. */
  acceptsHosts: boolean;
}

function has(digests: ReadonlySet<string>, digest: string | undefined): boolean {
  return digest !== undefined && digests.has(digest);
}

/**
 * One step of a host's state in a rollout that is moving forward, from what the host last reported; undefined when
 * it stays where it is. A record of undefined is a host the rollout has not seen yet; a host of undefined has left
 * the fleet. Callers step again until nothing changes, so one report can carry a host several steps.
 */
export function stepHost(
  record: HostRecord | undefined,
  host: HostObservation | undefined,
  context: StepContext,
): HostStep | undefined {
  if (record === undefined) {
    return { to: 'pending', reason: 'joined' };
  }
  if (host === undefined) {
    return record.state === 'pending' || isInFlight(record.state)
      ? { to: 'not-applicable', reason: 'left-fleet' }
      : undefined;
  }
  switch (record.state) {
    case 'pending':
      return stepWaiting(host, context);
    case 'not-applicable':
      return stepBackIn(record, host, context);
    case 'selected':
    case 'updating':
    case 'rebooting':
    case 'verifying':
      return stepInFlight(record, host, context);
    case 'healthy':
      // Health is judged once, after the boot into the new image (greenboot's verdict). A later unhealthy report is
      // about the host's life, not the update; but a host that later rolls itself back has left the release.
      return leftRelease(record, host, context) ? rolledBackByHost(host) : undefined;
    case 'timed-out':
      // A host we stopped waiting for may still finish; record how it ended.
      return judgeBoot(host, context) ?? (leftRelease(record, host, context) ? rolledBackByHost(host) : undefined);
    case 'failed':
    case 'rolled-back':
      return undefined;
  }
}

/** A host that has not started: can it take the rollout, or does it already run the release? */
function stepWaiting(host: HostObservation, context: StepContext): HostStep | undefined {
  if (host.unfit !== undefined) {
    return { to: 'not-applicable', reason: host.unfit.reason, detail: host.unfit.detail };
  }
  const failedBefore = [...context.releaseDigests].find((digest) => host.failedDigests.has(digest));
  if (failedBefore !== undefined) {
    // Never offer a host an image that already failed on it.
    return { to: 'not-applicable', reason: 'failed-before', detail: `${failedBefore} failed on this host before` };
  }
  if (has(context.releaseDigests, host.booted) && host.health?.state === 'healthy') {
    return { to: 'healthy', reason: 'already-running' };
  }
  if (host.sinceSeenMs > context.offlineTimeoutMs) {
    return { to: 'not-applicable', reason: 'offline', detail: lastSeen(host) };
  }
  return undefined;
}

/** A host that could not take the rollout may join again once it can, if it never started. */
function stepBackIn(record: HostRecord, host: HostObservation, context: StepContext): HostStep | undefined {
  if (!context.acceptsHosts || record.batch !== undefined || record.reason === 'failed-before') {
    return undefined;
  }
  const waiting = stepWaiting(host, context);
  if (waiting?.to === 'healthy') {
    return waiting;
  }
  return waiting === undefined && host.online ? { to: 'pending', reason: 'rejoined' } : undefined;
}

function stepInFlight(record: HostRecord, host: HostObservation, context: StepContext): HostStep | undefined {
  const { releaseDigests, now, updateTimeoutMs } = context;
  if (has(releaseDigests, host.booted)) {
    const judged = judgeBoot(host, context);
    if (judged !== undefined) {
      return judged;
    }
    if (record.state !== 'verifying') {
      return { to: 'verifying', reason: 'booted', deadline: now + updateTimeoutMs };
    }
  } else if (
    leftRelease(record, host, context) ||
    ((record.state === 'rebooting' || record.state === 'verifying') && !has(releaseDigests, host.staged))
  ) {
    // It had the image staged (or booted) and now boots something else: greenboot, or someone, rolled it back.
    return rolledBackByHost(host);
  } else if (has(releaseDigests, host.staged)) {
    if (record.state !== 'rebooting') {
      // Waiting for a reboot window is not slowness: the clock starts when a window opens.
      return { to: 'rebooting', reason: 'staged', deadline: context.rebootOpensAt() + updateTimeoutMs };
    }
  } else if (record.state === 'selected' && wasServed(record, host, releaseDigests)) {
    return { to: 'updating', reason: 'release-served' };
  } else if (record.state === 'selected' && !context.downloadWindowOpen) {
    // Selected near the end of a window and never started: it waits for the next window like any other host,
    // rather than timing out for a delay that is the window's.
    return { to: 'pending', reason: 'window-closed' };
  } else if (record.state === 'selected' && context.rebootOpensAt() > now) {
    // Not told yet, and the reboot window closed: a host that applies what it is told at once is told only inside
    // one (the registry gateway holds it), so its clock starts again when the next one opens.
    const deadline = context.rebootOpensAt() + updateTimeoutMs;
    if (record.deadline === undefined || fromTimestamp(record.deadline) < deadline) {
      return {
        to: 'selected',
        reason: 'window-closed',
        detail: `waits for the reboot window at ${toTimestamp(context.rebootOpensAt())}`,
        deadline,
      };
    }
  }
  if (host.sinceSeenMs > context.offlineTimeoutMs) {
    return { to: 'timed-out', reason: 'offline', detail: lastSeen(host) };
  }
  if (record.deadline !== undefined && now >= fromTimestamp(record.deadline)) {
    return { to: 'timed-out', reason: 'update-timeout', detail: `still ${record.state} at ${record.deadline}` };
  }
  return undefined;
}

/**
 * A selected host that has not been served the release yet, when the rollout stops selecting (paused, halted,
 * aborted, blocked): it has not started, so it goes back to waiting rather than start after the stop.
 */
export function withdrawUnserved(
  record: HostRecord,
  host: HostObservation | undefined,
  releaseDigests: ReadonlySet<string>,
): HostStep | undefined {
  if (record.state !== 'selected' || (host !== undefined && wasServed(record, host, releaseDigests))) {
    return undefined;
  }
  return { to: 'pending', reason: 'withdrawn' };
}

/** The host has been told to run the release since it was selected: it is downloading it. */
function wasServed(record: HostRecord, host: HostObservation, releaseDigests: ReadonlySet<string>): boolean {
  return (
    host.served !== undefined && releaseDigests.has(host.served.digest) && host.served.at >= fromTimestamp(record.since)
  );
}

/** Healthy or failed, once the host booted the release and reported the health of that boot. */
function judgeBoot(host: HostObservation, context: StepContext): HostStep | undefined {
  if (!has(context.releaseDigests, host.booted)) {
    return undefined;
  }
  if (host.health?.state === 'unhealthy') {
    return { to: 'failed', reason: 'health-failed', detail: host.health.failedChecks.join(', ') };
  }
  return host.health?.state === 'healthy' ? { to: 'healthy', reason: 'health-passed' } : undefined;
}

/**
 * Boots something else while the release sits in the rollback slot: it booted the release and went back. Not when
 * the release sat there before this rollout moved the host at all: the controller had sent it back from it.
 */
function leftRelease(record: HostRecord, host: HostObservation, context: StepContext): boolean {
  // A release staged again is on its way in, whatever the rollback slot still holds from before.
  return (
    record.releaseInRollbackSlot !== true &&
    !has(context.releaseDigests, host.booted) &&
    !has(context.releaseDigests, host.staged) &&
    has(context.releaseDigests, host.rollback)
  );
}

/** Whether a host being selected has the release in its rollback slot already (the controller sent it back). */
export function releaseInRollbackSlot(host: HostObservation, releaseDigests: ReadonlySet<string>): boolean {
  return has(releaseDigests, host.rollback) && !has(releaseDigests, host.booted);
}

function rolledBackByHost(host: HostObservation): HostStep {
  return { to: 'failed', reason: 'host-rolled-back', detail: `booted ${host.booted ?? 'nothing'}` };
}

function lastSeen(host: HostObservation): string {
  return host.lastSeen === undefined ? 'never seen' : `last seen ${toTimestamp(host.lastSeen)}`;
}

export interface RollbackContext {
  now: number;
  previousDigests: ReadonlySet<string>;
  releaseDigests: ReadonlySet<string>;
  /** When hosts that are not back yet time out. */
  deadline: number;
}

/**
 * One step of a host while its rollout rolls back. Every host that took the release in any way is followed until it
 * boots the previous release with the failed one no longer staged; hosts that never started are left alone.
 */
export function stepHostInRollback(
  record: HostRecord | undefined,
  host: HostObservation | undefined,
  context: RollbackContext,
): HostStep | undefined {
  if (record === undefined || host === undefined) {
    return undefined;
  }
  if (record.state === 'pending' || record.state === 'not-applicable' || record.state === 'rolled-back') {
    return undefined;
  }
  if (has(context.previousDigests, host.booted) && !has(context.releaseDigests, host.staged)) {
    return { to: 'rolled-back', reason: 'returned-to-previous' };
  }
  if (record.state !== 'timed-out' && context.now >= context.deadline) {
    return { to: 'timed-out', reason: 'rollback-timeout', detail: `booted ${host.booted ?? 'nothing'}` };
  }
  return undefined;
}

/** Whether a host still has to come back for a rollback to be over. */
export function awaitsRollback(state: HostRolloutState): boolean {
  return isInFlight(state) || state === 'healthy' || state === 'failed';
}

/** The record after a step taken at `now`. A batch given here pins the host to it (at selection). */
export function applyStep(record: HostRecord | undefined, step: HostStep, now: number, batch?: number): HostRecord {
  const next: HostRecord = { state: step.to, reason: step.reason, since: toTimestamp(now) };
  if (step.detail !== undefined) {
    next.detail = step.detail;
  }
  // A host back to pending has not started after all: its place is planned afresh like everybody else's.
  const pinned = step.to === 'pending' ? undefined : (batch ?? record?.batch);
  if (pinned !== undefined) {
    next.batch = pinned;
  }
  // In flight the deadline carries over (selected → updating keeps the download's deadline) unless the step sets one.
  const deadline = step.deadline !== undefined ? toTimestamp(step.deadline) : record?.deadline;
  if (isInFlight(step.to) && deadline !== undefined) {
    next.deadline = deadline;
  }
  // The stale rollback slot is remembered until the host stages or boots the release, which replaces it as evidence.
  const staleSlot =
    step.releaseInRollbackSlot ??
    (step.to === 'updating' || step.to === 'timed-out' ? record?.releaseInRollbackSlot : undefined);
  if (staleSlot === true) {
    next.releaseInRollbackSlot = true;
  }
  return next;
}
