import { describe, expect, it } from 'vitest';
import type { PipelineSpec, Release, Rollout } from '../fleet/index.js';
import { toTimestamp } from '../fleet/index.js';
import { decidePromotion, type FleetState, releaseName } from './promotion.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const HOUR = 3600_000;
const DIGEST = `sha256:${'c'.repeat(64)}`;
const REPO = 'registry.example.com/os/web';

const spec: PipelineSpec = {
  source: { containerfile: 'Containerfile' },
  publish: { repository: REPO },
  promote: [
    { fleet: 'canary' },
    { fleet: 'production', after: { fleet: 'canary', rollout: 'succeeded', soak: '24h' } },
  ],
};

function release(fleet: string): Release {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name: releaseName('web-os', fleet, DIGEST) },
    spec: { fleet, image: `${REPO}@${DIGEST}`, gate: { passed: true } },
  };
}

function rollout(fleet: string, phase: string, finishedAt?: number, message?: string): Rollout {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Rollout',
    metadata: { name: releaseName('web-os', fleet, DIGEST) },
    spec: { release: releaseName('web-os', fleet, DIGEST) },
    status: {
      phase,
      startedAt: toTimestamp(T0),
      ...(finishedAt === undefined ? {} : { finishedAt: toTimestamp(finishedAt) }),
      ...(message === undefined ? {} : { message }),
    },
  } as Rollout;
}

const empty: FleetState = { releases: [], rollouts: [] };

describe('decidePromotion', () => {
  it('releases and rolls out on the first fleet; the next waits for it', () => {
    const decision = decidePromotion(spec, 'web-os', DIGEST, { canary: empty, production: empty }, T0);
    expect(decision.actions).toEqual([
      { action: 'release', fleet: 'canary', name: 'web-os-canary-cccccccccccc' },
      { action: 'rollout', fleet: 'canary', release: 'web-os-canary-cccccccccccc' },
    ]);
    expect(decision.states[1]).toMatchObject({
      state: 'waiting',
      reason: 'waits for the rollout on canary to succeed',
    });
  });

  it('soaks after the canary succeeded, then promotes', () => {
    const fleets = {
      canary: { releases: [release('canary')], rollouts: [rollout('canary', 'succeeded', T0 + HOUR)] },
      production: empty,
    };
    const soaking = decidePromotion(spec, 'web-os', DIGEST, fleets, T0 + 2 * HOUR);
    expect(soaking.actions).toEqual([]);
    expect(soaking.states[1]).toMatchObject({ state: 'waiting', until: T0 + 25 * HOUR });
    const due = decidePromotion(spec, 'web-os', DIGEST, fleets, T0 + 25 * HOUR);
    expect(due.actions.map((action) => `${action.action} ${action.fleet}`)).toEqual([
      'release production',
      'rollout production',
    ]);
  });

  it('does nothing again for a fleet whose rollout is under way', () => {
    const fleets = {
      canary: { releases: [release('canary')], rollouts: [rollout('canary', 'progressing')] },
      production: empty,
    };
    const decision = decidePromotion(spec, 'web-os', DIGEST, fleets, T0);
    expect(decision.actions).toEqual([]);
    expect(decision.states[0]).toMatchObject({ state: 'rolling-out', phase: 'progressing' });
  });

  it('marks the image failed everywhere when a rollout halted or rolled back, and promotes it nowhere', () => {
    for (const phase of ['halted', 'rolled-back', 'aborted', 'blocked']) {
      const fleets = {
        canary: { releases: [release('canary')], rollouts: [rollout('canary', phase, T0, 'batch 1 failed')] },
        production: empty,
      };
      const decision = decidePromotion(spec, 'web-os', DIGEST, fleets, T0 + 100 * HOUR);
      expect(decision.actions).toEqual([]);
      expect(decision.failed).toEqual({
        fleet: 'canary',
        release: 'web-os-canary-cccccccccccc',
        phase,
        reason: 'batch 1 failed',
      });
    }
  });

  it('rolls out a release that exists without a rollout (a run that stopped between the two)', () => {
    const fleets = { canary: { releases: [release('canary')], rollouts: [] }, production: empty };
    expect(decidePromotion(spec, 'web-os', DIGEST, fleets, T0).actions).toEqual([
      { action: 'rollout', fleet: 'canary', release: 'web-os-canary-cccccccccccc' },
    ]);
  });
});

describe('releaseName', () => {
  it('stays a valid name for the longest pipeline and fleet names', () => {
    const name = releaseName('p'.repeat(253), 'f'.repeat(253), DIGEST);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name.endsWith('-cccccccccccc')).toBe(true);
  });
});
