import { describe, expect, it } from 'vitest';
import { isDigest, isSha256Digest, parseDigest, pinnedDigest, withoutPinnedDigest } from './digest.js';
import { PatchlineError } from './errors.js';

const SHA256 = `sha256:${'ab'.repeat(32)}`;
const SHA512 = `sha512:${'cd'.repeat(64)}`;

describe('the one digest grammar', () => {
  it('reads sha256 and sha512 digests in lower-case hex of the exact length, and nothing else', () => {
    expect(isDigest(SHA256)).toBe(true);
    expect(isDigest(SHA512)).toBe(true);
    expect(isSha256Digest(SHA512)).toBe(false);
    for (const bad of [SHA256.toUpperCase(), `${SHA256}0`, SHA256.slice(0, -1), `sha384:${'ab'.repeat(48)}`, '']) {
      expect(isDigest(bad)).toBe(false);
    }
    expect(isDigest(`sha256:${'0'.repeat(62)}/..`)).toBe(false);
  });

  it('fails naming the input and the grammar', () => {
    expect(parseDigest(SHA256, 'x')).toBe(SHA256);
    expect(() => parseDigest('sha256:abc', 'index.json')).toThrow(
      new PatchlineError(
        'input',
        'index.json',
        '"sha256:abc" is not a digest (expected sha256:<64 hex> or sha512:<128 hex>)',
      ),
    );
  });

  it('finds and strips the pinned @sha256 suffix of an image name', () => {
    expect(pinnedDigest(`quay.io/os:1@${SHA256}`)).toBe(SHA256);
    expect(pinnedDigest('quay.io/os:1')).toBeUndefined();
    expect(pinnedDigest(`quay.io/os@sha256:abc`)).toBeUndefined();
    expect(withoutPinnedDigest(`quay.io/os:1@${SHA256}`)).toBe('quay.io/os:1');
    expect(withoutPinnedDigest('quay.io/os:1')).toBe('quay.io/os:1');
  });
});
