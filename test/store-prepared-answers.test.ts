import { describe, expect, it } from 'vitest';
import {
  abortRollout,
  decideRollout,
  type Fleet,
  pauseRollout,
  type RolloutActionResult,
  resumeRollout,
} from '../src/fleet/index.js';
import { isStoreError, Store } from '../src/store/index.js';
import { computeDesiredFor } from '../src/store/rollouts.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { seededRandom } from './helpers/seeded-random.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

/**
 * A host's poll is answered from its prepared answer (store/host-answers.ts) when it has one. The oracle is the
 * answer computed from the state itself: after every step of a random history (rollouts decided as hosts report,
 * paused, aborted, deleted; releases added; hosts relabelled; fleets' selectors and download windows changed), every
 * host's prepared answer must equal the computed one. A change that forgot to drop the answers it affects shows up
 * as a host told something stale.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const FLEETS = ['web', 'db'];
const HOSTS = Array.from({ length: 12 }, (_, index) => `h${String(index).padStart(2, '0')}`);
const STEPS = 250;

const { location } = storeBackends('patchline-answers-');

/** Ignores the refusals a random history runs into (a rollout already moving, a final rollout edited). */
async function tolerate(work: Promise<unknown>): Promise<void> {
  await work.catch((error: unknown) => {
    if (!isStoreError(error) || error.reason === 'NotFound') throw error;
  });
}

function fleetSpec(name: string, labelKey: string, windowed: boolean): Fleet {
  return fleetDoc(name, {
    selector: { matchLabels: { [labelKey]: name } },
    rolloutPolicy: { batches: [{ limit: 2 }, { limit: '50%' }], successThreshold: 0.5 },
    ...(windowed
      ? { maintenanceWindows: { download: [{ schedule: '0 * * * *', timeZone: 'UTC', duration: '20m' }] } }
      : {}),
  });
}

describe.each<Dialect>(['sqlite', 'postgres'])('prepared answers on %s', (dialect) => {
  it.each([1, 2])(
    'equal the computed answer after every step of a random history (seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const store = await Store.open(await location(dialect));
      try {
        let now = T0;
        let releases = 0;
        let rollouts = 0;
        const booted = new Map<string, string>();
        for (const fleet of FLEETS) await store.createFleet(fleetSpec(fleet, 'role', false), now);
        const newRelease = async (fleet: string) => {
          releases++;
          await store.createRelease(releaseDoc(`${fleet}-r${releases}`, fleet, digest(releases)), now + releases);
        };
        for (const fleet of FLEETS) await newRelease(fleet);
        for (const host of HOSTS) {
          await store.createHost(hostDoc(host, { role: pick(FLEETS) }), now);
          booted.set(host, digest(0));
          await store.recordReport(host, report(now, digest(0)));
        }
        const latestRollout = async (fleet: string) => (await store.listRollouts(fleet)).at(-1)?.resource.metadata.name;
        const edit = async (fleet: string, action: (rollout: never) => RolloutActionResult) => {
          const name = await latestRollout(fleet);
          if (name !== undefined) await tolerate(store.editRollout(name, action as never));
        };
        const steps: Array<[string, () => Promise<void>]> = [
          [
            'hosts report what they were told',
            async () => {
              for (const host of HOSTS) {
                if (random() < 0.1) continue;
                const told = await store.desiredFor(host, now);
                if (told !== undefined && random() < 0.8) booted.set(host, told.digest);
                await store.recordReport(host, report(now, booted.get(host)!, { healthy: random() > 0.15 }));
              }
            },
          ],
          [
            'the controller decides',
            async () => {
              for (const { name } of await store.activeRollouts())
                await tolerate(store.decide(name, now, decideRollout));
            },
          ],
          [
            'a rollout starts',
            async () => {
              const fleet = pick(FLEETS);
              const candidates = (await store.listReleases(fleet)).map((each) => each.resource.metadata.name);
              rollouts++;
              await tolerate(store.createRollout(rolloutDoc(`roll-${rollouts}`, pick(candidates)), now));
            },
          ],
          ['a release is added', () => newRelease(pick(FLEETS))],
          ['a rollout is paused', () => edit(pick(FLEETS), (rollout) => pauseRollout(rollout, now))],
          ['a rollout is resumed', () => edit(pick(FLEETS), (rollout) => resumeRollout(rollout, now))],
          [
            'a rollout is aborted',
            () => edit(pick(FLEETS), (rollout) => abortRollout(rollout, 'random history', 'test', now)),
          ],
          [
            'a rollout is deleted',
            async () => {
              const name = await latestRollout(pick(FLEETS));
              if (name !== undefined && random() < 0.3) await tolerate(store.deleteRollout(name));
            },
          ],
          [
            'a host is relabelled',
            async () => {
              await tolerate(store.applyHost(hostDoc(pick(HOSTS), random() < 0.2 ? {} : { role: pick(FLEETS) }), now));
            },
          ],
          [
            'a fleet changes its download windows',
            async () => {
              const fleet = pick(FLEETS);
              await tolerate(store.applyFleet(fleetSpec(fleet, 'role', random() < 0.5), now));
            },
          ],
          [
            'a host is told something',
            async () => {
              const host = pick(HOSTS);
              const told = await store.desiredFor(host, now);
              if (told !== undefined) await store.recordServed(host, told.digest, now);
            },
          ],
        ];
        // Hosts report and the controller decides more often than anything else happens, so batches get to advance.
        const weighted = [...steps, steps[0]!, steps[0]!, steps[0]!, steps[1]!, steps[1]!, steps[1]!];
        const seen = new Set<string>();
        for (let step = 0; step < STEPS; step++) {
          const [what, run] = pick(weighted);
          await run();
          seen.add(what);
          // Minutes at a time: hosts stay online, and the hourly download window opens and closes.
          now += Math.floor(random() * 5) * MIN;
          for (const host of HOSTS) {
            // Asked twice: the first answer may be computed and stored, the second is read from the row.
            const expected = await computeDesiredFor(store.db, host, now);
            expect([step, what, host, await store.desiredFor(host, now)]).toEqual([step, what, host, expected]);
            expect([step, what, host, await store.desiredFor(host, now)]).toEqual([step, what, host, expected]);
          }
        }
        expect(seen.size).toBe(steps.length);
        // The history went somewhere: rollouts finished and hosts were told releases.
        const phases = new Set((await store.listRollouts()).map((each) => each.resource.status?.phase));
        expect([...phases].filter((phase) => phase !== undefined).length).toBeGreaterThan(1);
        const prepared = await store.db
          .selectFrom('host_answers')
          .select('answer')
          .where('answer', 'is not', null)
          .execute();
        expect(prepared.length).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    },
    180_000,
  );
});
