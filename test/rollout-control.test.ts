import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Fleet, Rollout } from '../src/fleet/index.js';
import { bootcStatus, digest, fleetDoc, releaseDoc, rolloutDoc } from './helpers/fleet-docs.js';
import { type ServerHarness, startServerHarness } from './helpers/server-harness.js';

const ADMIN = 'rollout-control-admin-token-0123456789abcdef';
const API = '/apis/patchline.dev/v1';
const V1 = digest(1);
const V2 = digest(2);
const V3 = digest(3);
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

interface Harness extends ServerHarness {
  /** POSTs a host's bootc status and health, as the host hooks do. */
  report(credential: string, booted: string, options?: { staged?: string; rollback?: string }): Promise<void>;
  rollout(name: string): Promise<Rollout>;
  tick(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const base = await startServerHarness({ adminToken: ADMIN, startAt: T0 });
  const { app, admin, server } = base;
  return {
    ...base,
    async report(credential, booted, options = {}) {
      const reported = await app.inject({
        method: 'POST',
        url: '/host/v1/status',
        headers: { authorization: `Bearer ${credential}` },
        payload: { bootc: bootcStatus(booted, options.staged, options.rollback), health: { state: 'healthy' } },
      });
      expect(reported.statusCode, reported.body).toBe(204);
    },
    async rollout(name) {
      const response = await admin('GET', `${API}/rollouts/${name}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as Rollout;
    },
    async tick() {
      await server.controller.tick();
    },
  };
}

async function created(response: Promise<LightMyRequestResponse>): Promise<unknown> {
  const answer = await response;
  expect(answer.statusCode, answer.body).toBe(201);
  return answer.json();
}

/** Fleet `web` with hosts web-01.. on v1 (rolled out, so it is the fleet's current release) and v2 released. */
async function webFleet(h: Harness, count: number, spec: Partial<Fleet['spec']> = {}): Promise<Record<string, string>> {
  await created(h.admin('POST', `${API}/fleets`, fleetDoc('web', spec)));
  await created(h.admin('POST', `${API}/releases`, releaseDoc('v1', 'web', V1)));
  await created(h.admin('POST', `${API}/releases`, releaseDoc('v2', 'web', V2)));
  const credentials: Record<string, string> = {};
  for (let index = 1; index <= count; index++) {
    const name = `web-0${index}`;
    credentials[name] = await h.enroll(name, { fleet: 'web' });
    await h.report(credentials[name], V1);
  }
  const first = (await created(h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v1', 'v1')))) as Rollout;
  expect(first.status?.phase).toBe('succeeded');
  return credentials;
}

interface EventView {
  type: string;
  [key: string]: unknown;
}

async function eventsOf(h: Harness, rollout: string): Promise<EventView[]> {
  return (await h.admin('GET', `${API}/rollouts/${rollout}/events`)).json().items as EventView[];
}

describe('operators acting on a rollout', () => {
  it('approving while paused approves the batch that waits, and pause and approve keep who and why', async () => {
    const h = await harness();
    const hosts = await webFleet(h, 3);
    const rollout = (await created(
      h.admin(
        'POST',
        `${API}/rollouts`,
        rolloutDoc('roll-v2', 'v2', { approval: 'manual', batches: [{ limit: 1 }, { limit: 1 }] }),
      ),
    )) as Rollout;
    expect(rollout.status?.hosts['web-01']?.state).toBe('selected');
    // The canary takes the release; batch 1 then waits for an approval.
    await h.report(hosts['web-01'] as string, V2, { rollback: V1 });
    await h.tick();
    expect((await h.rollout('roll-v2')).status).toMatchObject({ phase: 'waiting-for-approval', batch: 1 });

    const paused = await h.admin('POST', `${API}/rollouts/roll-v2/pause`, { by: 'alice', reason: 'change freeze' });
    expect(paused.json().status.phase).toBe('paused');
    const approved = await h.admin('POST', `${API}/rollouts/roll-v2/approve`, { by: 'bob', reason: 'canary fine' });
    expect(approved.json().spec.approvals).toEqual([
      { batch: 1, by: 'bob', reason: 'canary fine', at: new Date(T0).toISOString() },
    ]);
    // Approving again changes nothing: one approval never lets two batches through.
    expect(
      (await h.admin('POST', `${API}/rollouts/roll-v2/approve`, { by: 'bob' })).json().spec.approvals,
    ).toHaveLength(1);
    const resumed = await h.admin('POST', `${API}/rollouts/roll-v2/resume`, { by: 'alice' });
    expect(resumed.json().status).toMatchObject({ phase: 'progressing', batch: 1 });
    expect(resumed.json().status.hosts['web-02']).toMatchObject({ state: 'selected', batch: 1 });

    const actions = (await eventsOf(h, 'roll-v2')).filter((event) => event.type === 'operator-action');
    expect(actions.map(({ action, by, reason, batch }) => ({ action, by, reason, batch }))).toEqual([
      { action: 'pause', by: 'alice', reason: 'change freeze', batch: undefined },
      { action: 'approve', by: 'bob', reason: 'canary fine', batch: 1 },
      { action: 'resume', by: 'alice', reason: undefined, batch: undefined },
    ]);
  });

  it('approving while a batch runs approves the one after it', async () => {
    const h = await harness();
    await webFleet(h, 3);
    await created(
      h.admin(
        'POST',
        `${API}/rollouts`,
        rolloutDoc('roll-v2', 'v2', { approval: 'manual', batches: [{ limit: 1 }, { limit: 1 }] }),
      ),
    );
    await h.admin('POST', `${API}/rollouts/roll-v2/pause`, {});
    const approved = await h.admin('POST', `${API}/rollouts/roll-v2/approve`, {});
    // Batch 0 has started (web-01 was selected before the pause): the approval is for batch 1.
    expect(approved.json().spec.approvals.map((approval: { batch: number }) => approval.batch)).toEqual([1]);
  });
});

describe('a newer release', () => {
  it('supersedes a blocked rollout, recorded as its event, but an older one does not', async () => {
    const h = await harness();
    await webFleet(h, 2);
    h.now.value += MIN;
    await created(h.admin('POST', `${API}/releases`, releaseDoc('v2-bad', 'web', V3, false)));
    const blocked = (await created(h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-bad', 'v2-bad')))) as Rollout;
    expect(blocked.status?.phase).toBe('blocked');

    // v2 was released before the blocked one: it does not supersede it.
    const older = await h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2'));
    expect(older.statusCode, older.body).toBe(409);
    expect(older.json().message).toContain('only a newer release than v2-bad supersedes it');

    h.now.value += MIN;
    await created(h.admin('POST', `${API}/releases`, releaseDoc('v3', 'web', digest(4))));
    const newer = (await created(h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v3', 'v3')))) as Rollout;
    expect(newer.status?.phase).toBe('progressing');
    const superseded = await h.rollout('roll-bad');
    expect(superseded.status).toMatchObject({
      phase: 'aborted',
      message: 'superseded by rollout roll-v3 of the newer release v3',
    });
    expect((await eventsOf(h, 'roll-bad')).at(-1)).toMatchObject({
      type: 'phase-changed',
      from: 'blocked',
      to: 'aborted',
      message: 'superseded by rollout roll-v3 of the newer release v3',
    });
    // A rollout that is moving hosts is not superseded.
    h.now.value += MIN;
    await created(h.admin('POST', `${API}/releases`, releaseDoc('v4', 'web', digest(5))));
    expect((await h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v4', 'v4'))).statusCode).toBe(409);
  });

  it('supersedes a rollout waiting for approval; the hosts it updated follow the new one', async () => {
    const h = await harness();
    const hosts = await webFleet(h, 2);
    await created(
      h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2', { approval: 'manual', batches: [{ limit: 1 }] })),
    );
    await h.report(hosts['web-01'] as string, V2, { rollback: V1 });
    await h.tick();
    expect((await h.rollout('roll-v2')).status?.phase).toBe('waiting-for-approval');
    h.now.value += MIN;
    await created(h.admin('POST', `${API}/releases`, releaseDoc('v3', 'web', V3)));
    const newer = (await created(h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v3', 'v3')))) as Rollout;
    expect(newer.spec.previousRelease).toBe('v1');
    expect((await h.rollout('roll-v2')).status?.phase).toBe('aborted');
  });
});

describe('a rollout retried after the controller rolled the fleet back', () => {
  it('does not count a host the controller sent back as rolled back by greenboot', async () => {
    const h = await harness();
    const hosts = await webFleet(h, 2);
    const web01 = hosts['web-01'] as string;
    const web02 = hosts['web-02'] as string;
    const policy = { batches: [{ limit: 1 }], onFailure: 'rollback' as const, successThreshold: 1 };
    await created(h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2', policy)));
    // web-01 takes v2 and is healthy; web-02 boots it and greenboot takes it back: batch 1 fails, all go back.
    await h.report(web01, V2, { rollback: V1 });
    await h.tick();
    await h.report(web02, V1, { rollback: V2 });
    await h.tick();
    expect((await h.rollout('roll-v2')).status?.phase).toBe('rolling-back');
    await h.report(web01, V1, { rollback: V2 });
    await h.tick();
    const first = await h.rollout('roll-v2');
    expect(first.status?.phase).toBe('rolled-back');
    expect(first.status?.hosts['web-01']).toMatchObject({ state: 'rolled-back', reason: 'returned-to-previous' });
    const web02Events = (await eventsOf(h, 'roll-v2')).filter((event) => event.host === 'web-02');
    expect(web02Events.map((event) => `${event.to}/${event.reason}`)).toContain('failed/host-rolled-back');

    // The fix is in the image's config, say: the same release is tried again. web-01 has v2 in its rollback slot
    // because the controller sent it back, not because greenboot rolled it back.
    h.now.value += MIN;
    const retry = (await created(
      h.admin('POST', `${API}/rollouts`, rolloutDoc('retry-v2', 'v2', { ...policy, batches: [{ limit: 1 }] })),
    )) as Rollout;
    expect(retry.status?.hosts['web-01']).toMatchObject({
      state: 'selected',
      detail: 'the release is in its rollback slot: the controller sent it back from it before',
    });
    // web-02, where v2 failed, is never offered it again.
    expect(retry.status?.hosts['web-02']).toMatchObject({ state: 'not-applicable', reason: 'failed-before' });
    h.now.value += MIN;
    await h.report(web01, V1, { rollback: V2 });
    await h.tick();
    expect((await h.rollout('retry-v2')).status?.hosts['web-01']?.state).toBe('selected');
    // It is served v2 (its desired state), stages it, boots it healthy: the retry succeeds.
    const desired = await h.app.inject({
      method: 'GET',
      url: '/host/v1/desired',
      headers: { authorization: `Bearer ${web01}` },
    });
    expect(desired.json()).toMatchObject({ digest: V2 });
    await h.tick();
    await h.report(web01, V1, { staged: V2, rollback: V2 });
    await h.tick();
    expect((await h.rollout('retry-v2')).status?.hosts['web-01']?.state).toBe('rebooting');
    await h.report(web01, V2, { rollback: V1 });
    await h.tick();
    const done = await h.rollout('retry-v2');
    expect(done.status?.hosts['web-01']).toMatchObject({ state: 'healthy', reason: 'health-passed' });
    expect(done.status?.phase).toBe('succeeded');
  });

  it('still counts a greenboot rollback once the retried host staged the release', async () => {
    const h = await harness();
    const hosts = await webFleet(h, 1);
    const web01 = hosts['web-01'] as string;
    // The controller sent web-01 back from v2 before: v2 is in its rollback slot.
    await h.report(web01, V1, { rollback: V2 });
    await created(h.admin('POST', `${API}/rollouts`, rolloutDoc('roll-v2', 'v2', { onFailure: 'halt' })));
    await h.app.inject({ method: 'GET', url: '/host/v1/desired', headers: { authorization: `Bearer ${web01}` } });
    await h.tick();
    await h.report(web01, V1, { staged: V2, rollback: V2 });
    await h.tick();
    // Now it boots v2, greenboot fails it and boots v1 again.
    await h.report(web01, V1, { rollback: V2 });
    await h.tick();
    const halted = await h.rollout('roll-v2');
    expect(halted.status?.hosts['web-01']).toMatchObject({ state: 'failed', reason: 'host-rolled-back' });
    expect(halted.status?.phase).toBe('halted');
  });
});
