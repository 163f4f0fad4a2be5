import { describe, expect, it } from 'vitest';
import { type FixFacts, verifyFixes } from './fixes.js';

const A: FixFacts = { advisory: 'DSA-1', package: 'openssl', fixedVersion: '3.0.15-1', installed: '3.0.14-1' };
const B: FixFacts = { advisory: 'DSA-2', package: 'curl', fixedVersion: '7.88.1-10', installed: '7.88.1-9' };

describe('verifyFixes', () => {
  it('lists what the new image ships, and names each intended fix it still lacks with the version it has', () => {
    const result = verifyFixes([A, B], [A, B], [{ ...B, installed: '7.88.1-9' }]);
    expect(result.shipped).toEqual([A]);
    expect(result.missing).toEqual([
      {
        fix: B,
        installed: '7.88.1-9',
        reason:
          'fix not installable yet: the new image still has curl 7.88.1-9, the fix is 7.88.1-10 (the package repository does not offer it yet, a version is pinned, or the package is excluded)',
      },
    ]);
  });

  it('ships nothing it can name when there was no image before', () => {
    expect(verifyFixes([], undefined, [])).toEqual({ shipped: [], missing: [] });
  });
});
