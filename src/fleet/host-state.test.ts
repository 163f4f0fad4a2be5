import { describe, expect, it } from 'vitest';
import type { HostObservation } from './host-observation.js';
import {
  applyStep,
  type HostRecord,
  type StepContext,
  stepHost,
  stepHostInRollback,
  withdrawUnserved,
} from './host-state.js';

const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;
const T0 = Date.parse('2024-05-01T10:00:00Z');
const MIN = 60_000;
const AFTER_REBOOT_WINDOW = new Date(T0 + 180 * MIN).toISOString();

const context: StepContext = {
  now: T0,
  releaseDigests: new Set([NEW]),
  updateTimeoutMs: 60 * MIN,
  offlineTimeoutMs: 30 * MIN,
  rebootOpensAt: () => T0 + 120 * MIN,
  downloadWindowOpen: true,
  acceptsHosts: true,
};

function observed(overrides: Partial<HostObservation> = {}): HostObservation {
  return {
    name: 'web-01',
    labels: {},
    lastSeen: T0,
    sinceSeenMs: 0,
    online: true,
    reportedAt: T0,
    booted: OLD,
    health: { state: 'healthy' },
    failedDigests: new Set(),
    ...overrides,
  };
}

function recordOf(state: HostRecord['state'], extra: Partial<HostRecord> = {}): HostRecord {
  return { state, reason: 'selected', since: new Date(T0 - 5 * MIN).toISOString(), batch: 0, ...extra };
}

describe('stepHost', () => {
  it.each<[string, HostRecord['state'], Partial<HostObservation>, Partial<HostRecord>, string | undefined]>([
    // [what, state, report, record, expected "to/reason"]
    ['a pending host that can take part stays pending', 'pending', {}, {}, undefined],
    [
      'a host that never reported cannot take part',
      'pending',
      { reportedAt: undefined, unfit: { reason: 'no-report', detail: '' } },
      {},
      'not-applicable/no-report',
    ],
    [
      'a host not booted by bootc cannot take part',
      'pending',
      { unfit: { reason: 'incompatible', detail: '' } },
      {},
      'not-applicable/incompatible',
    ],
    ['the image failed here before', 'pending', { failedDigests: new Set([NEW]) }, {}, 'not-applicable/failed-before'],
    ['it already runs the release', 'pending', { booted: NEW }, {}, 'healthy/already-running'],
    [
      'offline longer than the offline timeout',
      'pending',
      { online: false, sinceSeenMs: 31 * MIN },
      {},
      'not-applicable/offline',
    ],
    // (The context's reboot window opens at T0 + 2h: these were selected with the deadline that gives.)
    ['selected, not served the release yet', 'selected', {}, { deadline: AFTER_REBOOT_WINDOW }, undefined],
    [
      'selected, served something else',
      'selected',
      { served: { digest: OLD, at: T0 } },
      { deadline: AFTER_REBOOT_WINDOW },
      undefined,
    ],
    [
      'selected, served before it was selected',
      'selected',
      { served: { digest: NEW, at: T0 - 6 * MIN } },
      { deadline: AFTER_REBOOT_WINDOW },
      undefined,
    ],
    [
      'selected inside a reboot window that closed before it was told: it waits for the next',
      'selected',
      {},
      { deadline: new Date(T0 + 55 * MIN).toISOString() },
      'selected/window-closed',
    ],
    [
      'selected, served the release since',
      'selected',
      { served: { digest: NEW, at: T0 } },
      {},
      'updating/release-served',
    ],
    ['staged the release', 'updating', { staged: NEW }, {}, 'rebooting/staged'],
    [
      'booted the release, no health yet',
      'rebooting',
      { booted: NEW, rollback: OLD, health: undefined },
      {},
      'verifying/booted',
    ],
    ['booted the release and passed', 'verifying', { booted: NEW, rollback: OLD }, {}, 'healthy/health-passed'],
    [
      'booted the release unhealthy',
      'verifying',
      { booted: NEW, health: { state: 'unhealthy', failedChecks: ['db'] } },
      {},
      'failed/health-failed',
    ],
    [
      'greenboot rolled it back from rebooting',
      'rebooting',
      { booted: OLD, rollback: NEW },
      {},
      'failed/host-rolled-back',
    ],
    [
      'staged image gone after the reboot',
      'rebooting',
      { booted: OLD, staged: undefined },
      {},
      'failed/host-rolled-back',
    ],
    ['rolled back between two reports', 'updating', { booted: OLD, rollback: NEW }, {}, 'failed/host-rolled-back'],
    [
      'rolled back later, after it was healthy',
      'healthy',
      { booted: OLD, rollback: NEW },
      {},
      'failed/host-rolled-back',
    ],
    [
      'unhealthy later is not the update’s fault',
      'healthy',
      { booted: NEW, health: { state: 'unhealthy', failedChecks: ['x'] } },
      {},
      undefined,
    ],
    ['past its deadline', 'updating', {}, { deadline: new Date(T0).toISOString() }, 'timed-out/update-timeout'],
    ['before its deadline', 'updating', {}, { deadline: new Date(T0 + 1).toISOString() }, undefined],
    ['offline too long in flight', 'updating', { online: false, sinceSeenMs: 31 * MIN }, {}, 'timed-out/offline'],
    ['a timed-out host that finishes after all', 'timed-out', { booted: NEW }, {}, 'healthy/health-passed'],
    ['a timed-out host that rolls back', 'timed-out', { booted: OLD, rollback: NEW }, {}, 'failed/host-rolled-back'],
    ['not applicable, back online', 'not-applicable', {}, { batch: undefined, reason: 'offline' }, 'pending/rejoined'],
    ['not applicable, failed before', 'not-applicable', {}, { batch: undefined, reason: 'failed-before' }, undefined],
    ['not applicable after it started', 'not-applicable', {}, { batch: 0, reason: 'left-fleet' }, undefined],
    ['failed stays failed', 'failed', { booted: NEW }, {}, undefined],
  ])('%s', (_, state, report, extra, expected) => {
    const step = stepHost(recordOf(state, extra), observed(report), context);
    expect(step === undefined ? undefined : `${step.to}/${step.reason}`).toBe(expected);
  });

  it('starts a host the rollout has not seen as pending, and drops hosts that left the fleet', () => {
    expect(stepHost(undefined, observed(), context)).toEqual({ to: 'pending', reason: 'joined' });
    expect(stepHost(recordOf('updating'), undefined, context)).toEqual({ to: 'not-applicable', reason: 'left-fleet' });
    expect(stepHost(recordOf('healthy'), undefined, context)).toBeUndefined();
  });

  it('puts a selected host that has not started back when the download window closes', () => {
    const closed = { ...context, downloadWindowOpen: false };
    const selected = recordOf('selected');
    expect(stepHost(selected, observed(), closed)).toEqual({ to: 'pending', reason: 'window-closed' });
    expect(applyStep(selected, { to: 'pending', reason: 'window-closed' }, T0).batch).toBeUndefined();
    // One that has started carries on.
    expect(stepHost(selected, observed({ served: { digest: NEW, at: T0 } }), closed)?.to).toBe('updating');
  });

  it('withdraws a selection the host was not served yet, and only that', () => {
    expect(withdrawUnserved(recordOf('selected'), observed(), context.releaseDigests)).toEqual({
      to: 'pending',
      reason: 'withdrawn',
    });
    const served = observed({ served: { digest: NEW, at: T0 } });
    expect(withdrawUnserved(recordOf('selected'), served, context.releaseDigests)).toBeUndefined();
    expect(withdrawUnserved(recordOf('updating'), observed(), context.releaseDigests)).toBeUndefined();
  });

  it('lets nobody back in once the rollout no longer takes hosts', () => {
    const record = recordOf('not-applicable', { batch: undefined, reason: 'offline' });
    expect(stepHost(record, observed(), { ...context, acceptsHosts: false })).toBeUndefined();
  });

  it('starts the reboot clock when the reboot window opens, not when the image is staged', () => {
    const step = stepHost(recordOf('updating'), observed({ staged: NEW }), context);
    expect(step?.deadline).toBe(T0 + 120 * MIN + 60 * MIN);
    const record = applyStep(recordOf('updating'), step ?? { to: 'pending', reason: 'joined' }, T0);
    expect(record).toEqual({
      state: 'rebooting',
      reason: 'staged',
      since: '2024-05-01T10:00:00.000Z',
      batch: 0,
      deadline: '2024-05-01T13:00:00.000Z',
    });
  });

  it('keeps the deadline from selected to updating, and drops it once settled', () => {
    const selected = recordOf('selected', { deadline: '2024-05-01T11:00:00.000Z' });
    expect(applyStep(selected, { to: 'updating', reason: 'release-served' }, T0).deadline).toBe(
      '2024-05-01T11:00:00.000Z',
    );
    expect(applyStep(selected, { to: 'healthy', reason: 'health-passed' }, T0).deadline).toBeUndefined();
  });
});

describe('stepHostInRollback', () => {
  const rollback = {
    now: T0,
    previousDigests: new Set([OLD]),
    releaseDigests: new Set([NEW]),
    deadline: T0 + 60 * MIN,
  };

  it('follows every host that took the release until it boots the previous one', () => {
    expect(stepHostInRollback(recordOf('healthy'), observed({ booted: NEW }), rollback)).toBeUndefined();
    expect(stepHostInRollback(recordOf('healthy'), observed({ booted: OLD, staged: NEW }), rollback)).toBeUndefined();
    expect(stepHostInRollback(recordOf('healthy'), observed({ booted: OLD, rollback: NEW }), rollback)).toEqual({
      to: 'rolled-back',
      reason: 'returned-to-previous',
    });
    // Failed hosts that greenboot already took back count as back.
    expect(stepHostInRollback(recordOf('failed'), observed({ booted: OLD }), rollback)?.to).toBe('rolled-back');
    // Hosts that never started are not part of it.
    expect(
      stepHostInRollback(recordOf('pending', { batch: undefined }), observed({ booted: OLD }), rollback),
    ).toBeUndefined();
  });

  it('times out stragglers, and still takes them in when they come back', () => {
    const late = { ...rollback, now: T0 + 60 * MIN };
    expect(stepHostInRollback(recordOf('rebooting'), observed({ booted: NEW }), late)).toMatchObject({
      to: 'timed-out',
      reason: 'rollback-timeout',
    });
    expect(stepHostInRollback(recordOf('timed-out'), observed({ booted: NEW }), late)).toBeUndefined();
    expect(stepHostInRollback(recordOf('timed-out'), observed({ booted: OLD }), late)?.to).toBe('rolled-back');
  });
});
