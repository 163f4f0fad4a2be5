/**
 * The store's reads for the web console, on SQLite and PostgreSQL: hosts with their digests and health read out of
 * the stored report by each database's own JSON functions, rollouts without per-host records, the newest events.
 */
import { describe, expect, it } from 'vitest';
import { decideRollout } from '../src/fleet/index.js';
import { Store } from '../src/store/index.js';
import { bootcStatus, digest, fleetDoc, releaseDoc, rolloutDoc } from './helpers/fleet-docs.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

const backends = storeBackends('patchline-store-console-');
const NOW = Date.parse('2026-12-07T10:00:00Z');

describe.each(['sqlite', 'postgres'] as Dialect[])('the console reads on %s', (dialect) => {
  it('lists a fleet’s hosts with booted and staged digests, health and failed checks', async () => {
    const store = await Store.open(await backends.location(dialect));
    try {
      await store.createFleet(fleetDoc('web'), NOW);
      await store.createFleet(fleetDoc('db'), NOW);
      const enroll = async (name: string, fleet: string) => {
        const { token } = await store.createEnrollmentToken({ fleet }, 60_000, NOW);
        await store.enroll(token, name, { fleet }, NOW);
      };
      await enroll('web-01', 'web');
      await enroll('web-02', 'web');
      await enroll('web-03', 'web');
      await enroll('db-01', 'db');
      await store.recordReport('web-01', {
        receivedAt: new Date(NOW).toISOString(),
        bootc: bootcStatus(digest(1), digest(2)),
        health: { state: 'healthy' },
      });
      await store.recordReport('web-02', {
        receivedAt: new Date(NOW + 1000).toISOString(),
        bootc: bootcStatus(digest(2), undefined, digest(1)),
        health: { state: 'unhealthy', failedChecks: ['app.service', 'disk-space'] },
      });
      const rows = (await store.consoleHosts('web')).sort((a, b) => a.name.localeCompare(b.name));
      expect(rows).toEqual([
        {
          name: 'web-01',
          labels: { fleet: 'web' },
          lastSeen: new Date(NOW).toISOString(),
          booted: digest(1),
          staged: digest(2),
          health: { state: 'healthy' },
          fleet: 'web',
        },
        {
          name: 'web-02',
          labels: { fleet: 'web' },
          lastSeen: new Date(NOW + 1000).toISOString(),
          booted: digest(2),
          staged: undefined,
          health: { state: 'unhealthy', failedChecks: ['app.service', 'disk-space'] },
          fleet: 'web',
        },
        {
          name: 'web-03',
          labels: { fleet: 'web' },
          lastSeen: undefined,
          booted: undefined,
          staged: undefined,
          health: undefined,
          fleet: 'web',
        },
      ]);
      expect((await store.consoleHosts()).map((row) => row.name).sort()).toEqual([
        'db-01',
        'web-01',
        'web-02',
        'web-03',
      ]);

      await store.createRelease(releaseDoc('v2', 'web', digest(2)), NOW);
      await store.createRollout(rolloutDoc('roll-v2', 'v2'), NOW);
      await store.decide('roll-v2', NOW, decideRollout);
      const [listed] = await store.listRolloutDocuments('web');
      expect(listed?.resource.metadata.name).toBe('roll-v2');
      expect(Object.keys(listed?.resource.status?.hosts ?? {})).toEqual([]);
      expect((await store.rolloutHostStates('roll-v2')).get('web-02')).toBeDefined();
      const newest = await store.latestEvents('roll-v2', 2);
      expect(newest).toHaveLength(2);
      expect(newest[0]!.id).toBeGreaterThan(newest[1]!.id);
      const mark = await store.rolloutMark('roll-v2');
      await store.editRollout('roll-v2', (rollout) => ({
        ok: true,
        rollout: { ...rollout, spec: { ...rollout.spec, paused: true } },
      }));
      expect(await store.rolloutMark('roll-v2')).not.toBe(mark);
      expect(await store.rolloutMark('no-such-rollout')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
