import { describe, expect, it } from 'vitest';
import { abortRollout, decideRollout } from '../src/fleet/index.js';
import { Store } from '../src/store/index.js';
import { commitDecision, computeDesiredFor, loadRolloutState } from '../src/store/rollouts.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

/**
 * A decision and a new rollout keep the answers they change (store/answer-changes.ts) instead of dropping them, so a
 * fleet's next round of polls reads prepared answers rather than computing each one. Each is kept only over the
 * version read before the state it was computed from: a change that commits between a decision's read and its
 * commit leaves the host with no answer (computed at its next poll), never a stale one.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const HOSTS = ['h1', 'h2', 'h3', 'h4'];
const { location } = storeBackends('patchline-decided-answers-');

async function preparedAnswers(store: Store): Promise<Map<string, string | null>> {
  const rows = await store.db.selectFrom('host_answers').select(['host', 'answer']).execute();
  return new Map(rows.map((row) => [row.host, row.answer]));
}

async function fleetWithAnswers(dialect: Dialect): Promise<Store> {
  const store = await Store.open(await location(dialect));
  await store.createFleet(fleetDoc('web', { selector: { matchLabels: { role: 'web' } } }), T0);
  await store.createRelease(releaseDoc('r1', 'web', digest(1)), T0);
  await store.createRelease(releaseDoc('r2', 'web', digest(2)), T0 + 1);
  for (const host of HOSTS) {
    await store.createHost(hostDoc(host, { role: 'web' }), T0);
    await store.recordReport(host, report(T0, digest(1)));
  }
  await store.createRollout(rolloutDoc('to-r1', 'r1'), T0);
  await store.decide('to-r1', T0, decideRollout);
  // Every host asks once, so each has an answer prepared.
  for (const host of HOSTS) expect((await store.desiredFor(host, T0))?.digest).toBe(digest(1));
  return store;
}

/** Every host asks and is told; all but the `silent` boot it and report; then the controller decides. */
async function cycle(
  store: Store,
  rollout: string,
  now: number,
  silent: ReadonlySet<string> = new Set(),
): Promise<void> {
  for (const host of HOSTS) {
    const told = await store.desiredFor(host, now);
    if (told === undefined) continue;
    await store.recordServed(host, told.digest, now);
    if (!silent.has(host)) await store.recordReport(host, report(now, told.digest));
  }
  await store.decide(rollout, now, decideRollout);
}

describe.each<Dialect>(['sqlite', 'postgres'])('answers kept by decisions on %s', (dialect) => {
  it('a new rollout keeps the answers that did not change, and a decision writes the ones it changed', async () => {
    const store = await fleetWithAnswers(dialect);
    try {
      await store.createRollout(rolloutDoc('to-r2', 'r2', { batches: [{ limit: 4 }] }), T0 + 60_000);
      // r1 is still every host's answer until the rollout selects them: nothing to compute again.
      const afterCreate = await preparedAnswers(store);
      for (const host of HOSTS) expect(JSON.parse(afterCreate.get(host)!).digest).toBe(digest(1));

      await store.decide('to-r2', T0 + 60_000, decideRollout);
      const afterDecision = await preparedAnswers(store);
      for (const host of HOSTS) {
        expect(afterDecision.get(host)).not.toBeNull();
        expect(JSON.parse(afterDecision.get(host)!).digest).toBe(digest(2));
        expect(await store.desiredFor(host, T0 + 60_000)).toEqual(await computeDesiredFor(store.db, host, T0 + 60_000));
      }
    } finally {
      await store.close();
    }
  });

  it('a host relabelled between a decision read and its commit keeps no stale answer', async () => {
    const store = await fleetWithAnswers(dialect);
    try {
      const now = T0 + 60_000;
      await store.createRollout(rolloutDoc('to-r2', 'r2', { batches: [{ limit: 4 }] }), now);
      const loaded = await loadRolloutState(store.db, 'to-r2');
      const decision = decideRollout(loaded.state, now);
      expect(decision.selections).toContain('h1');
      // h1 leaves the fleet after the decision read it: its answer is dropped (version bumped) in that change.
      await store.applyHost(hostDoc('h1', { role: 'none' }), now);
      await store.db.transaction().execute((trx) => commitDecision(trx, loaded, decision, now));

      const answers = await preparedAnswers(store);
      // The decision's answer for h1 (r2) was computed on the state before the relabel, so it is not kept.
      expect(answers.get('h1')).toBeNull();
      expect(await store.desiredFor('h1', now)).toEqual(await computeDesiredFor(store.db, 'h1', now));
      expect(await store.desiredFor('h1', now)).toBeUndefined();
      for (const host of ['h2', 'h3', 'h4']) expect(JSON.parse(answers.get(host)!).digest).toBe(digest(2));
    } finally {
      await store.close();
    }
  });

  it("a decision of a rollout that is no longer the fleet's latest keeps none of its answers", async () => {
    const store = await fleetWithAnswers(dialect);
    try {
      await store.createRelease(releaseDoc('r3', 'web', digest(3)), T0 + 2);
      let now = T0 + 60_000;
      await store.createRollout(rolloutDoc('to-r2', 'r2', { batches: [{ limit: 4 }] }), now);
      await store.decide('to-r2', now, decideRollout);
      // h4 is told r2 but does not boot it; the others do. Then the rollout is aborted: it goes on following h4.
      for (let round = 0; round < 3; round++) {
        now += 60_000;
        await cycle(store, 'to-r2', now, new Set(['h4']));
      }
      await store.editRollout('to-r2', (rollout) => abortRollout(rollout, 'a test', 'test', now));
      await store.decide('to-r2', now, decideRollout);
      const followed = (await store.getRollout('to-r2'))?.resource.status;
      expect([followed?.phase, followed?.hosts.h4?.state]).toEqual(['aborted', 'updating']);
      // h4 boots r2 at last: a decision of to-r2 reads that, then to-r3 becomes the fleet's latest rollout before the
      // decision commits.
      now += 60_000;
      await store.recordReport('h4', report(now, digest(2)));
      const loaded = await loadRolloutState(store.db, 'to-r2');
      const decision = decideRollout(loaded.state, now);
      expect(decision.transitions.map((transition) => [transition.host, transition.to.state])).toEqual([
        ['h4', 'healthy'],
      ]);
      await store.createRollout(rolloutDoc('to-r3', 'r3', { batches: [{ limit: 4 }] }), now);
      await store.db.transaction().execute((trx) => commitDecision(trx, loaded, decision, now));
      // The host it moved has no answer prepared (its next poll computes one from to-r3), and every host is told what
      // the state says.
      expect((await preparedAnswers(store)).get('h4')).toBeNull();
      for (const host of HOSTS) {
        expect([host, await store.desiredFor(host, now)]).toEqual([host, await computeDesiredFor(store.db, host, now)]);
      }
    } finally {
      await store.close();
    }
  });
});
