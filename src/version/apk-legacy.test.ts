import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareApkVersions, isValidApkVersion } from './apk.js';
import { compareLegacyApkVersions, isValidLegacyApkVersion } from './apk-legacy.js';
import { compareVersions } from './compare.js';

const SHARED = resolve(import.meta.dirname, '../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';

function generatedRelations(): [string, number, string][] {
  if (!HAVE_SHARED) return [];
  const expectedOf: Record<string, number> = { '<': -1, '=': 0, '>': 1 };
  return readFileSync(resolve(SHARED, 'fixtures/vercmp/alpine-generated.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [a, operator, b] = line.split(' ') as [string, string, string];
      return [a, expectedOf[operator]!, b];
    });
}

// alpine-generated.txt was made with apk-tools 2's `apk version -t`; these tests show that, and why compareVersions
// falls back to apk-tools 2 for the versions apk-tools 3 refuses.
describe.skipIf(!HAVE_SHARED)(`alpine-generated.txt and the two apk generations${SKIPPED}`, () => {
  const relations = generatedRelations();

  it('holds entirely for apk-tools 2', () => {
    const failures = relations.filter(
      ([a, expected, b]) => compareLegacyApkVersions(a, b) !== expected || compareLegacyApkVersions(b, a) !== -expected,
    );
    expect(failures).toEqual([]);
  });

  it('holds for apk-tools 3 except where a version has a letter followed by digits, which apk-tools 3 refuses', () => {
    const failures = relations.filter(([a, expected, b]) => compareApkVersions(a, b) !== expected);
    expect(failures).toHaveLength(32);
    for (const [a, , b] of failures) {
      expect([a, b].some((version) => /[a-z]\d/.test(version) && !isValidApkVersion(version))).toBe(true);
    }
  });
});

describe('compareLegacyApkVersions', () => {
  it('reads digits after a letter, as in old openssh packages', () => {
    expect(isValidLegacyApkVersion('6.0.2p1-r1')).toBe(true);
    expect(isValidApkVersion('6.0.2p1-r1')).toBe(false);
    expect(compareLegacyApkVersions('6.0.2p1-r1', '6.0.2p1-r2')).toBe(-1);
    expect(compareLegacyApkVersions('6.0.2p1-r8', '6.0.3p1-r0')).toBe(-1);
    expect(compareVersions('apk', '6.0.2p1-r1', '6.0.2p1-r2')).toBe(-1);
  });

  it('keeps the orders apk-tools 3 changed', () => {
    // apk-tools 2 counted leading zeros, so 8.2.0 (one zero) was newer than 8.2.001 (two); apk-tools 3 compares text.
    expect(compareLegacyApkVersions('8.2.0', '8.2.001')).toBe(1);
    expect(compareApkVersions('8.2.0', '8.2.001')).toBe(-1);
    // A zero part followed by a pre-release suffix was newer than the release itself.
    expect(compareLegacyApkVersions('6.0_pre1', '6.0')).toBe(1);
    expect(compareApkVersions('6.0_pre1', '6.0')).toBe(-1);
    // compareVersions uses apk-tools 3 whenever it accepts both versions.
    expect(compareVersions('apk', '6.0_pre1', '6.0')).toBe(-1);
  });

  it('orders the suffixes as apk-tools 3 does', () => {
    expect(compareLegacyApkVersions('1.0_alpha1', '1.0_beta')).toBe(-1);
    expect(compareLegacyApkVersions('1.0_rc2', '1.1')).toBe(-1);
    expect(compareLegacyApkVersions('1.1_rc2', '1.1')).toBe(-1);
    expect(compareLegacyApkVersions('1.1_p1', '1.1')).toBe(1);
    expect(compareLegacyApkVersions('1.1_p1', '1.1_git1')).toBe(1);
  });

  it('reads numbers into a 32-bit int, which wraps around', () => {
    expect(compareLegacyApkVersions('4294967297', '1')).toBe(0);
  });

  it('refuses, through compareVersions, what apk-tools 2 refused too, and the empty string', () => {
    expect(isValidLegacyApkVersion('1.0-1')).toBe(false);
    expect(() => compareVersions('apk', '1.0-1', '1.0')).toThrow('1.0-1: not a valid apk version');
    expect(() => compareVersions('apk', '', '1.0')).toThrow('not a valid apk version');
  });
});
