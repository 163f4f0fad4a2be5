import { describe, expect, it } from 'vitest';
import { type Exposure, exposureWindowSeconds, lastHostHealthyAt, mergeExposure, stageDurations } from './exposure.js';

const base: Exposure = {
  fleet: 'production',
  advisory: 'DSA-1',
  package: 'openssl',
  state: 'open',
  stages: { published: '2026-03-01T00:00:00Z', detected: '2026-03-01T06:00:00Z' },
  releases: [],
};

describe('mergeExposure', () => {
  it('keeps each stage at its first time and adds releases', () => {
    const merged = mergeExposure(base, {
      ...base,
      stages: { detected: '2026-03-01T07:00:00Z', built: '2026-03-01T06:10:00Z' },
      releases: ['r1'],
    });
    expect(merged.stages).toEqual({
      published: '2026-03-01T00:00:00Z',
      detected: '2026-03-01T06:00:00Z',
      built: '2026-03-01T06:10:00Z',
    });
    expect(merged.releases).toEqual(['r1']);
  });

  it('follows the newer state and note, except that a closed exposure stays closed', () => {
    const blocked = mergeExposure(base, { ...base, state: 'blocked', note: 'blocked on failed release r1' });
    expect(blocked).toMatchObject({ state: 'blocked', note: 'blocked on failed release r1' });
    expect(mergeExposure(blocked, { ...base, state: 'open' }).note).toBeUndefined();
    const closed = { ...base, state: 'closed' as const };
    expect(mergeExposure(closed, { ...base, state: 'blocked', note: 'late' })).toMatchObject({ state: 'closed' });
  });
});

describe('exposure windows', () => {
  it('runs from publication to the last host while closed, and to now while open', () => {
    const closed: Exposure = {
      ...base,
      state: 'closed',
      stages: { ...base.stages, completed: '2026-03-02T00:00:00Z' },
    };
    expect(exposureWindowSeconds(closed, Date.parse('2026-04-01T00:00:00Z'))).toBe(86_400);
    expect(exposureWindowSeconds(base, Date.parse('2026-03-01T01:00:00Z'))).toBe(3600);
    expect(stageDurations(closed)).toEqual([
      { stage: 'detected', from: 'published', seconds: 6 * 3600 },
      { stage: 'completed', from: 'detected', seconds: 18 * 3600 },
    ]);
  });

  it('is complete only when every host of the rollout is healthy', () => {
    const healthy = {
      a: { state: 'healthy', since: '2026-03-02T00:00:00Z' },
      b: { state: 'healthy', since: '2026-03-02T01:00:00Z' },
    };
    expect(lastHostHealthyAt(healthy)).toBe(Date.parse('2026-03-02T01:00:00Z'));
    expect(lastHostHealthyAt({ ...healthy, c: { state: 'failed', since: '2026-03-02T00:30:00Z' } })).toBeUndefined();
  });
});
