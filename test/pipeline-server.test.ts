/**
 * The controller's side of pipelines: the resource and its derived status, the one-run-at-a-time lease over HTTP,
 * the exposure ledger's routes, and the ledger on /metrics.
 */
import { describe, expect, it } from 'vitest';
import { fleetDoc } from './helpers/fleet-docs.js';
import { parsePrometheus } from './helpers/prometheus.js';
import { startServerHarness } from './helpers/server-harness.js';

const ADMIN = 'pipeline-server-test-admin-token-0123456789';
const API = '/apis/patchline.dev/v1';
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

const harness = () => startServerHarness({ adminToken: ADMIN, startAt: T0 });

const pipeline = {
  apiVersion: 'patchline.dev/v1',
  kind: 'Pipeline',
  metadata: { name: 'web-os' },
  spec: { source: { containerfile: 'Containerfile' }, publish: { repository: 'quay.io/example/os' } },
};

function run(name: string, startedAt: number, outcome = 'running') {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, pipeline: 'web-os' },
    status: {
      outcome,
      startedAt: new Date(startedAt).toISOString(),
      leaseUntil: new Date(startedAt + 600_000).toISOString(),
      triggers: [{ type: 'initial', detail: 'no image has been published yet' }],
      fixes: [],
      steps: [],
    },
  };
}

describe('pipelines at the controller', () => {
  it('stores the resource, refuses unknown keys by path, and derives its status from its runs', async () => {
    const h = await harness();
    const typo = await h.admin('PUT', `${API}/pipelines/web-os`, {
      ...pipeline,
      spec: { ...pipeline.spec, trigers: {} },
    });
    expect(typo.statusCode).toBe(422);
    expect(typo.json().message).toContain('trigers');
    expect((await h.admin('PUT', `${API}/pipelines/web-os`, pipeline)).statusCode).toBe(201);
    expect((await h.admin('POST', `${API}/pipelines/web-os/runs`, run('web-os-1', T0))).statusCode).toBe(201);
    const busy = await h.admin('POST', `${API}/pipelines/web-os/runs`, run('web-os-2', T0 + 1000));
    expect(busy.statusCode).toBe(409);
    expect(busy.json().message).toContain('already running (web-os-1');
    const got = (await h.admin('GET', `${API}/pipelines/web-os`)).json();
    expect(got.status.lastRun).toMatchObject({ name: 'web-os-1', outcome: 'running' });
  });

  it('records exposures only for fleets that exist, and shows the ledger on /metrics', async () => {
    const h = await harness();
    expect((await h.admin('POST', `${API}/fleets`, fleetDoc('web'))).statusCode).toBe(201);
    expect((await h.admin('POST', `${API}/fleets`, fleetDoc('db'))).statusCode).toBe(201);
    const exposure = (advisory: string, state: string, stages: Record<string, string>) => ({
      fleet: 'web',
      advisory,
      package: 'openssl',
      state,
      stages,
      releases: [],
    });
    const iso = (ms: number) => new Date(ms).toISOString();
    const unknown = await h.admin('POST', `${API}/exposures`, {
      items: [{ ...exposure('DSA-1', 'open', {}), fleet: 'nope' }],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toContain('fleet nope does not exist');
    const recorded = await h.admin('POST', `${API}/exposures`, {
      items: [
        exposure('DSA-1', 'open', { published: iso(T0 - 3 * DAY) }),
        exposure('DSA-2', 'blocked', { published: iso(T0 - 40 * DAY) }),
        exposure('DSA-3', 'closed', {
          published: iso(T0 - 2 * DAY),
          detected: iso(T0 - 2 * DAY + 60_000),
          completed: iso(T0 - DAY),
        }),
      ],
    });
    expect(recorded.statusCode, recorded.body).toBe(200);
    expect((await h.admin('GET', `${API}/exposures?fleet=web`)).json().items).toHaveLength(3);

    const samples = parsePrometheus((await h.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(samples.get('patchline_exposures_open{fleet="web",state="open",max_age="1d"}')).toBe(0);
    expect(samples.get('patchline_exposures_open{fleet="web",state="open",max_age="7d"}')).toBe(1);
    expect(samples.get('patchline_exposures_open{fleet="web",state="blocked",max_age="30d"}')).toBe(0);
    expect(samples.get('patchline_exposures_open{fleet="web",state="blocked",max_age="+Inf"}')).toBe(1);
    // The closed window: published two days before T0, completed one day before: 86,400 s.
    expect(samples.get('patchline_exposure_window_seconds_bucket{fleet="web",le="86400"}')).toBe(1);
    expect(samples.get('patchline_exposure_window_seconds_bucket{fleet="web",le="21600"}')).toBe(0);
    expect(samples.get('patchline_exposure_window_seconds_sum{fleet="web"}')).toBe(86_400);
    expect(samples.get('patchline_exposure_stage_seconds_count{stage="detected"}')).toBe(1);
    expect(samples.get('patchline_exposure_stage_seconds_sum{stage="detected"}')).toBe(60);
    // The oldest fix not yet everywhere is the blocked one (40 days), not the closed one; a fleet without any: 0.
    expect(samples.get('patchline_fleet_oldest_open_fix_seconds{fleet="web"}')).toBe(40 * 86_400);
    expect(samples.get('patchline_fleet_oldest_open_fix_seconds{fleet="db"}')).toBe(0);
    h.now.value += DAY;
    const later = parsePrometheus((await h.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(later.get('patchline_fleet_oldest_open_fix_seconds{fleet="web"}')).toBe(41 * 86_400);
  });
});
