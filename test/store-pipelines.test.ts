/**
 * Pipelines, their runs and the exposure ledger in the controller's store, on SQLite and PostgreSQL: one run holds a
 * pipeline at a time, a dead run is taken over when its lease runs out, a finished run is history, and a rollout
 * that leaves every host healthy closes the exposures of the fixes its release holds, at its last host's time.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRollout, type Exposure, type Pipeline, type PipelineRun, toTimestamp } from '../src/fleet/index.js';
import { isStoreError, Store, type StoreError } from '../src/store/index.js';
import { digest, fleetDoc, hostDoc, releaseDoc, report, rolloutDoc } from './helpers/fleet-docs.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { tempDir } from './helpers/tmp.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

const pipeline: Pipeline = {
  apiVersion: 'patchline.dev/v1',
  kind: 'Pipeline',
  metadata: { name: 'web-os' },
  spec: { source: { containerfile: 'Containerfile' }, publish: { repository: 'quay.io/example/os' } },
};

function run(name: string, startedAt: number, leaseUntil?: number): PipelineRun {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, pipeline: 'web-os' },
    status: {
      outcome: 'running',
      startedAt: toTimestamp(startedAt),
      ...(leaseUntil === undefined ? {} : { leaseUntil: toTimestamp(leaseUntil) }),
      triggers: [{ type: 'fixes', detail: '1 published fix not in the current image' }],
      fixes: [{ advisory: 'DSA-1', package: 'openssl' }],
      steps: [],
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStoreError(error)) throw new Error(`expected a StoreError, got ${String(error)}`);
  return error;
}

describe.each(['sqlite', 'postgres'] as const)('pipelines in the store on %s', (dialect) => {
  let store: Store;
  beforeAll(async () => {
    const where =
      dialect === 'sqlite'
        ? join(await tempDir('patchline-store-pipelines-'), 'controller.db')
        : await (
            postgres ?? { freshDatabase: () => Promise.reject(new Error('PostgreSQL did not start')) }
          ).freshDatabase();
    store = await Store.open(where);
  }, 30_000);
  afterAll(async () => {
    await store?.close();
  });

  it('lets one run hold a pipeline, takes over a dead one, and keeps finished runs as they were', async () => {
    expect((await rejection(store.startRun(run('orphan', T0, T0 + MIN), T0))).reason).toBe('NotFound');
    await store.applyPipeline(pipeline, T0);
    await store.startRun(run('web-os-1', T0, T0 + 10 * MIN), T0);
    const conflict = await rejection(store.startRun(run('web-os-2', T0 + MIN, T0 + 11 * MIN), T0 + MIN));
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toContain('pipeline web-os is already running (web-os-1');

    // The first run's process died: once its lease is over, the next run starts and the first is interrupted.
    await store.startRun(run('web-os-3', T0 + 20 * MIN, T0 + 30 * MIN), T0 + 20 * MIN);
    const [newest, oldest] = await store.listRuns('web-os');
    expect(newest?.metadata.name).toBe('web-os-3');
    expect(oldest?.status.outcome).toBe('interrupted');
    expect(oldest?.status.message).toContain('its lease ran out');

    const finished: PipelineRun = {
      ...run('web-os-3', T0 + 20 * MIN),
      status: { ...run('web-os-3', T0 + 20 * MIN).status, outcome: 'shipped', finishedAt: toTimestamp(T0 + 25 * MIN) },
    };
    await store.updateRun(finished);
    await store.updateRun(finished);
    const changed = { ...finished, status: { ...finished.status, outcome: 'error' as const } };
    expect((await rejection(store.updateRun(changed))).reason).toBe('Conflict');
    expect((await store.getRun('web-os-3'))?.status.outcome).toBe('shipped');
  });

  it('closes the exposures a release holds when its rollout leaves every host healthy, at the last host’s time', async () => {
    await store.createFleet(fleetDoc('web', { rolloutPolicy: { batches: [], successThreshold: 1 } }), T0);
    await store.createRelease(releaseDoc('v1', 'web', digest(1)), T0);
    await store.createRelease(releaseDoc('v2', 'web', digest(2)), T0);
    for (const name of ['web-1', 'web-2']) {
      await store.createHost(hostDoc(name, { fleet: 'web' }), T0);
      await store.recordReport(name, report(T0, digest(1)));
    }
    const exposure = (advisory: string, releases: string[]): Exposure => ({
      fleet: 'web',
      advisory,
      package: 'openssl',
      state: 'open',
      stages: { published: toTimestamp(T0 - 60 * MIN), rolloutStarted: toTimestamp(T0) },
      releases,
    });
    await store.recordExposures([exposure('DSA-1', ['v2']), exposure('DSA-2', [])]);
    await store.createRollout(rolloutDoc('roll-v2', 'v2'), T0);
    await store.decide('roll-v2', T0 + MIN, decideRollout);
    // Both hosts boot v2, one later than the other.
    await store.recordReport('web-1', report(T0 + 2 * MIN, digest(2)));
    await store.decide('roll-v2', T0 + 2 * MIN, decideRollout);
    expect((await store.listExposures('web')).find((each) => each.advisory === 'DSA-1')?.state).toBe('open');
    await store.recordReport('web-2', report(T0 + 4 * MIN, digest(2)));
    const { decision } = await store.decide('roll-v2', T0 + 5 * MIN, decideRollout);
    expect(decision.rolloutPhase).toBe('succeeded');
    const [closed, other] = await store.listExposures('web');
    expect(closed).toMatchObject({ advisory: 'DSA-1', state: 'closed' });
    expect(Date.parse(closed?.stages.completed ?? '')).toBeGreaterThanOrEqual(T0 + 4 * MIN);
    expect(Date.parse(closed?.stages.completed ?? '')).toBeLessThanOrEqual(T0 + 5 * MIN);
    // A fix the release does not hold stays open.
    expect(other).toMatchObject({ advisory: 'DSA-2', state: 'open' });
  });
});
