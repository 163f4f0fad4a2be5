import {
  desiredDigestFor,
  type Fleet,
  type Host,
  type Release,
  type Rollout,
  releaseDigest,
  releaseDigests,
  releaseRepository,
} from '../fleet/index.js';
import type { AnswerChange, PreparedAnswer } from './host-answers.js';

/**
 * What a fleet's hosts are told follows from: the fleet, and its latest rollout with that rollout's releases (the
 * rollout's status holding the records of the hosts asked about), or, before any rollout, its current release.
 */
export interface AnswerSources {
  fleet: Fleet;
  rollout?: { resource: Rollout; release: Release; previous: Release | undefined } | undefined;
  current?: Release | undefined;
}

export interface ComputedAnswer {
  answer: PreparedAnswer | undefined;
  /**
   * When it holds only for now: a host selected but not yet told, whose fleet has download windows, is told the
   * release only while one is open. Such answers are never kept.
   */
  timeBound: boolean;
}

/** A host's answer from the sources themselves: what a poll computes when it finds none prepared. */
export function answerFrom(host: Host, sources: AnswerSources, now: number): ComputedAnswer {
  const { fleet, rollout } = sources;
  const fleetName = fleet.metadata.name;
  if (rollout === undefined) {
    if (sources.current === undefined) return { answer: undefined, timeBound: false };
    const digest = releaseDigest(sources.current);
    const failed = (host.status?.failedDigests ?? []).some((failure) => failure.digest === digest);
    return {
      answer: failed
        ? undefined
        : { fleet: fleetName, digest, image: `${releaseRepository(sources.current)}@${digest}` },
      timeBound: false,
    };
  }
  const record = rollout.resource.status?.hosts[host.metadata.name];
  const timeBound = record?.state === 'selected' && (fleet.spec.maintenanceWindows?.download ?? []).length > 0;
  const state = {
    fleet,
    rollout: rollout.resource,
    release: rollout.release,
    previousRelease: rollout.previous,
    hosts: [host],
  };
  const digest = desiredDigestFor(host, state, now);
  if (digest === undefined) return { answer: undefined, timeBound };
  const owner = [rollout.release, rollout.previous].find(
    (each): each is Release => each !== undefined && releaseDigests(each).has(digest),
  );
  const repository = owner === undefined ? fleet.spec.image : releaseRepository(owner);
  return { answer: { fleet: fleetName, digest, image: `${repository}@${digest}` }, timeBound };
}

/**
 * The answers a change of state alters, to keep in the change's own transaction instead of dropping them: for each
 * candidate host whose answer differs before and after, the answer after (null when it is time-bound), over the
 * version read before the state was. Answers kept or dropped before stay right for every host whose answer did not
 * change. A host without a version (no answer row) is left out.
 */
export function answerChanges(
  candidates: Iterable<{ before: Host; after: Host }>,
  sources: { before: AnswerSources; after: AnswerSources },
  versions: ReadonlyMap<string, number>,
  now: number,
): AnswerChange[] {
  const changes: AnswerChange[] = [];
  for (const { before, after } of candidates) {
    const version = versions.get(after.metadata.name);
    if (version === undefined) continue;
    const was = answerFrom(before, sources.before, now);
    const is = answerFrom(after, sources.after, now);
    if (sameAnswer(was, is)) continue;
    changes.push({ host: after.metadata.name, version, answer: is.timeBound ? null : is.answer });
  }
  return changes;
}

function sameAnswer(a: ComputedAnswer, b: ComputedAnswer): boolean {
  return (
    a.timeBound === b.timeBound &&
    a.answer?.digest === b.answer?.digest &&
    a.answer?.image === b.answer?.image &&
    a.answer?.fleet === b.answer?.fleet
  );
}
