import { describe, expect, it } from 'vitest';
import type { Fix, PipelineRun, PipelineSpec } from '../fleet/index.js';
import { toTimestamp } from '../fleet/index.js';
import { decideTriggers, lastScheduledAt } from './triggers.js';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday
const MIN = 60_000;
const BASE = { name: 'quay.io/fedora/fedora-bootc:42', digest: `sha256:${'a'.repeat(64)}` };
const FIX: Fix = { advisory: 'FEDORA-2026-1', package: 'openssl-libs', fixedVersion: '1:3.2.4-1.fc42' };

const spec: PipelineSpec = {
  source: { containerfile: 'Containerfile' },
  triggers: { baseImage: true, fixes: true },
  publish: { repository: 'registry.example.com/os/web' },
};

function run(overrides: Partial<PipelineRun['status']> = {}, name = 'web-os-1'): PipelineRun {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'PipelineRun',
    metadata: { name, pipeline: 'web-os' },
    status: {
      outcome: 'shipped',
      startedAt: toTimestamp(T0 - 60 * MIN),
      finishedAt: toTimestamp(T0 - 50 * MIN),
      triggers: [],
      fixes: [],
      base: BASE,
      sourceDigest: 'sha256:source',
      steps: [{ name: 'build', status: 'succeeded', startedAt: toTimestamp(T0 - 60 * MIN) }],
      image: { reference: 'x@sha256:1', digest: `sha256:${'1'.repeat(64)}`, builtAt: toTimestamp(T0), pushed: true },
      ...overrides,
    },
  };
}

const inputs = {
  spec,
  now: T0,
  base: BASE,
  sourceDigest: 'sha256:source',
  missingFixes: [] as Fix[],
  blockedFixes: new Set<string>(),
};

describe('decideTriggers', () => {
  it('builds the first image when nothing was ever published', () => {
    const decision = decideTriggers({ ...inputs, runs: [], missingFixes: undefined });
    expect(decision).toMatchObject({ action: 'build', triggers: [{ type: 'initial' }] });
  });

  it('does nothing when the base, the source and the fixes are as the last build left them', () => {
    expect(decideTriggers({ ...inputs, runs: [run()] })).toEqual({
      action: 'none',
      reason: 'nothing to do: no new base, source or fix',
    });
  });

  it('builds for a new base digest, a changed source and a missing fix, naming each', () => {
    const decision = decideTriggers({
      ...inputs,
      runs: [run()],
      base: { ...BASE, digest: `sha256:${'b'.repeat(64)}` },
      sourceDigest: 'sha256:changed',
      missingFixes: [FIX],
    });
    expect(decision.action).toBe('build');
    if (decision.action !== 'build') return;
    expect(decision.triggers.map((trigger) => trigger.type)).toEqual(['base-image', 'source', 'fixes']);
    expect(decision.fixes).toEqual([FIX]);
  });

  it('honours a trigger switched off', () => {
    const off = { ...spec, triggers: { baseImage: false, fixes: false, source: false } };
    const decision = decideTriggers({
      ...inputs,
      spec: off,
      runs: [run()],
      base: { ...BASE, digest: `sha256:${'b'.repeat(64)}` },
      sourceDigest: 'sha256:changed',
      missingFixes: [FIX],
    });
    expect(decision.action).toBe('none');
  });

  it('waits while another run holds its lease, and takes over once the lease ran out', () => {
    const running = run({ outcome: 'running', leaseUntil: toTimestamp(T0 + 5 * MIN) }, 'web-os-2');
    expect(decideTriggers({ ...inputs, runs: [running, run()], missingFixes: [FIX] })).toMatchObject({
      action: 'wait',
      until: T0 + 5 * MIN,
    });
    expect(decideTriggers({ ...inputs, now: T0 + 6 * MIN, runs: [running, run()], missingFixes: [FIX] }).action).toBe(
      'build',
    );
  });

  it('does not rebuild for fixes blocked on a failed release', () => {
    const decision = decideTriggers({
      ...inputs,
      runs: [run()],
      missingFixes: [FIX],
      blockedFixes: new Set(['FEDORA-2026-1 openssl-libs']),
    });
    expect(decision).toEqual({ action: 'none', reason: 'nothing new: 1 fix is blocked on a failed release' });
  });

  it('does not rebuild inputs whose tests failed, but does rebuild when a fix was only not installable', () => {
    const failed = run({ outcome: 'test-failed', fixes: [FIX] });
    expect(decideTriggers({ ...inputs, runs: [failed], missingFixes: [FIX] }).action).toBe('none');
    const notInstallable = run({ outcome: 'no-change', fixes: [FIX] });
    expect(decideTriggers({ ...inputs, runs: [notInstallable], missingFixes: [FIX] }).action).toBe('build');
  });

  it('debounces: a trigger within the window waits for its end', () => {
    const debounced = { ...spec, triggers: { ...spec.triggers, debounce: '2h' } };
    expect(decideTriggers({ ...inputs, spec: debounced, runs: [run()], missingFixes: [FIX] })).toMatchObject({
      action: 'wait',
      until: T0 - 60 * MIN + 120 * MIN,
    });
  });

  it('fires the schedule once per matching minute since the last build', () => {
    const scheduled = { ...spec, triggers: { schedule: { cron: '0 3 * * *', timeZone: 'Europe/Berlin' } } };
    // 03:00 in Berlin is 02:00 UTC in March (CET); the last build was at 09:00 UTC.
    const next = Date.parse('2026-03-03T02:00:00Z');
    expect(decideTriggers({ ...inputs, spec: scheduled, now: next - MIN, runs: [run()] }).action).toBe('none');
    const decision = decideTriggers({ ...inputs, spec: scheduled, now: next + 5 * MIN, runs: [run()] });
    expect(decision).toMatchObject({
      action: 'build',
      triggers: [{ type: 'schedule', at: '2026-03-03T02:00:00.000Z' }],
    });
  });
});

describe('lastScheduledAt', () => {
  it('finds the latest firing minute after a moment, across a daylight-saving change', () => {
    // Berlin springs forward on 2026-03-29: 03:00 local is 01:00 UTC that night.
    const after = Date.parse('2026-03-28T12:00:00Z');
    const now = Date.parse('2026-03-29T12:00:00Z');
    expect(lastScheduledAt('0 3 * * *', 'Europe/Berlin', after, now)).toBe(Date.parse('2026-03-29T01:00:00Z'));
    expect(lastScheduledAt('0 3 * * *', 'Europe/Berlin', now - MIN, now)).toBeUndefined();
  });
});
