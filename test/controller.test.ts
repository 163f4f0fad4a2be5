import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from '../src/server/index.js';
import { Store } from '../src/store/index.js';
import { bootcStatus, digest, fleetDoc, hostDoc, releaseDoc, rolloutDoc } from './helpers/fleet-docs.js';
import { tempDir } from './helpers/tmp.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function storeWithRollout(): Promise<Store> {
  const store = await Store.open(join(await tempDir('patchline-controller-'), 'c.db'));
  stores.push(store);
  await store.createFleet(fleetDoc('web'), T0);
  await store.createRelease(releaseDoc('v1', 'web', digest(1)), T0);
  await store.createHost(hostDoc('web-01', { fleet: 'web' }), T0);
  await store.recordReport('web-01', { receivedAt: new Date(T0).toISOString(), bootc: bootcStatus(digest(1)) });
  await store.createRollout(rolloutDoc('roll-v1', 'v1'), T0);
  return store;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await new Promise((done) => setTimeout(done, 20));
  }
  return check();
}

describe('the controller loop', () => {
  it('decides active rollouts on its timer, and stops deciding once stopped', async () => {
    const store = await storeWithRollout();
    const decided: string[] = [];
    const controller = createController({
      store,
      clock: () => T0 + 60_000,
      tickMs: 50,
      onDecision: (rollout) => decided.push(rollout),
    });
    controller.start();
    // The first tick gives the rollout a status.
    expect(await until(async () => (await store.getRollout('roll-v1'))?.resource.status !== undefined, 5_000)).toBe(
      true,
    );
    await controller.stop();
    const after = decided.length;
    expect(after).toBeGreaterThan(0);
    await store.recordReport('web-01', {
      receivedAt: new Date(T0).toISOString(),
      bootc: bootcStatus(digest(1)),
      health: { state: 'healthy' },
    });
    controller.nudge();
    await new Promise((done) => setTimeout(done, 400));
    expect(decided.length).toBe(after);
  });

  it('decides shortly after a nudge, and several nudges make one tick', async () => {
    const store = await storeWithRollout();
    let ticks = 0;
    // Every tick starts by listing the active rollouts: count those.
    const list = store.activeRollouts.bind(store);
    store.activeRollouts = () => {
      ticks++;
      return list();
    };
    const controller = createController({ store, clock: () => T0 + 60_000, nudgeDelayMs: 100 });
    for (let n = 0; n < 10; n++) controller.nudge();
    expect(await until(async () => ticks > 0, 5_000)).toBe(true);
    await new Promise((done) => setTimeout(done, 300));
    expect(ticks).toBe(1);
    expect((await store.getRollout('roll-v1'))?.resource.status?.phase).toBe('progressing');
    await controller.stop();
  });
});
