/**
 * The server prunes its store on a timer once it listens, and /metrics counts what the prunes deleted, by kind.
 */
import { describe, expect, it } from 'vitest';
import { decideRollout } from '../src/fleet/index.js';
import { DEFAULT_RETENTION } from '../src/store/index.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { startServerHarness } from './helpers/server-harness.js';
import { until } from './helpers/until.js';

const V1 = digest(1);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

function pruned(metrics: string, kind: string): number | undefined {
  const match = new RegExp(`^patchline_pruned_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(metrics);
  return match === null ? undefined : Number(match[1]);
}

describe('retention in the server', () => {
  it('prunes on its timer once listening, and counts what it deleted in /metrics', async () => {
    const harness = await startServerHarness({
      adminToken: null,
      startAt: T0,
      retention: { policy: { ...DEFAULT_RETENTION, finishedRolloutsPerFleet: 1 }, everyMs: 50 },
    });
    const { store } = harness;
    await store.createFleet(fleetDoc('web'), T0);
    await store.createHost(hostDoc('web-a', { fleet: 'web' }), T0);
    for (let n = 1; n <= 3; n++) {
      const at = T0 + n * DAY;
      await store.recordReport('web-a', report(at, V1));
      await store.createRelease(releaseDoc(`v${n}`, 'web', V1), at);
      await store.createRollout(rolloutDoc(`web-${n}`, `v${n}`), at);
      expect((await store.decide(`web-${n}`, at + 60_000, decideRollout)).decision.rolloutPhase).toBe('succeeded');
    }
    const events = (await store.events('web-1')).length + (await store.events('web-2')).length;
    const metrics = async () => (await harness.app.inject({ method: 'GET', url: '/metrics' })).body;
    const before = await metrics();
    for (const kind of ['rollouts', 'rollout_hosts', 'events', 'pipeline_runs']) expect(pruned(before, kind)).toBe(0);

    harness.now.value = T0 + 4 * DAY;
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const after = await until('the timer to prune', async () => {
      const text = await metrics();
      return pruned(text, 'rollouts') === 2 ? text : undefined;
    });
    expect([pruned(after, 'rollout_hosts'), pruned(after, 'events'), pruned(after, 'pipeline_runs')]).toEqual([
      2,
      events,
      0,
    ]);
    expect((await store.listRollouts()).map((each) => each.resource.metadata.name)).toEqual(['web-3']);
  });
});
