import { describe, expect, it } from 'vitest';
import type { Release } from '../fleet/index.js';
import { exposureSeconds } from './metrics.js';

const at = (minutes: number) => Date.parse('2026-03-02T10:00:00Z') + minutes * 60_000;
const d = (n: number) => `sha256:${String(n).repeat(64)}`;

function release(name: string, n: number, createdMinute: number, platform?: number): Release {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name, createdAt: new Date(at(createdMinute)).toISOString() },
    spec: {
      fleet: 'f',
      image: `quay.io/x/os@${d(n)}`,
      ...(platform === undefined ? {} : { platformDigests: [d(platform)] }),
    },
  };
}

describe('exposureSeconds', () => {
  // Releases 1, 2, 3 created at minutes 0, 10 and 20; the clock reads minute 30.
  const releases = [release('r1', 1, 0), release('r2', 2, 10, 7), release('r3', 3, 20)];
  const now = at(30);

  it('is zero when every host boots the newest release, or nothing is known', () => {
    expect(exposureSeconds(releases, [d(3), d(3)], now)).toBe(0);
    expect(exposureSeconds(releases, [undefined], now)).toBe(0);
    expect(exposureSeconds([], [d(1)], now)).toBe(0);
  });

  it('counts from the release after the least updated host', () => {
    // A host on r2 (through its platform digest) lacks r3: r3 is 10 minutes old.
    expect(exposureSeconds(releases, [d(3), d(7)], now)).toBe(600);
    // A host on r1 lacks r2, created 20 minutes ago.
    expect(exposureSeconds(releases, [d(3), d(1), d(2)], now)).toBe(1200);
    // An image no release names is behind every release: r1 is 30 minutes old.
    expect(exposureSeconds(releases, [d(3), d(9)], now)).toBe(1800);
  });
});
