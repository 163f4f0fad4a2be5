import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apkVersionMatches, compareApkVersions, isValidApkVersion } from './apk.js';
import { compareVersions } from './compare.js';

const SHARED = resolve(import.meta.dirname, '../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';

function fixture(name: string): string {
  return HAVE_SHARED ? readFileSync(resolve(SHARED, 'fixtures/vercmp', name), 'utf8') : '';
}

/**
 * One line of apk-tools' version.data, read as apk-tools' own unit test reads it: `a op b` must hold (`a !op b` must
 * not), `version` must be valid (`!version` must not); what follows `#` is a comment.
 */
function holds(line: string): boolean {
  const fields = line.split(/\s+/);
  if (fields.length === 3) {
    const [a, operator, b] = fields as [string, string, string];
    const negated = operator.startsWith('!');
    return apkVersionMatches(a, negated ? operator.slice(1) : operator, b) !== negated;
  }
  if (fields.length === 1) {
    const negated = line.startsWith('!');
    return isValidApkVersion(negated ? line.slice(1) : line) !== negated;
  }
  throw new Error(`unreadable line ${JSON.stringify(line)}`);
}

describe.skipIf(!HAVE_SHARED)(`apk-tools' own and real Alpine vectors${SKIPPED}`, () => {
  it('apk-version.data: every case holds', () => {
    const lines = fixture('apk-version.data')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter((line) => line !== '');
    const failures = lines.filter((line) => !holds(line));
    expect(failures).toEqual([]);
    // 788 lines, of which 3 are blank; the comment-only tail of line 3 leaves its case.
    expect(lines).toHaveLength(785);
  });

  it('alpine-generated.txt: all 13,979 relations from `apk version -t` hold both ways', () => {
    const lines = fixture('alpine-generated.txt')
      .split('\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(13979);
    const expectedOf: Record<string, number> = { '<': -1, '=': 0, '>': 1 };
    const failures: string[] = [];
    for (const line of lines) {
      const [a, operator, b] = line.split(' ') as [string, string, string];
      const expected = expectedOf[operator];
      const forward = compareVersions('apk', a, b);
      const backward = compareVersions('apk', b, a);
      if (forward !== expected || backward !== -expected!)
        failures.push(`${line}: got ${forward}, reversed ${backward}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('compareApkVersions', () => {
  it('orders the suffixes: pre-releases before the release, post-releases after it and its revisions', () => {
    const ordered = [
      '1.0_alpha',
      '1.0_alpha1',
      '1.0_beta',
      '1.0_pre',
      '1.0_rc1',
      '1.0',
      '1.0-r1',
      '1.0_cvs',
      '1.0_svn',
      '1.0_git20240101',
      '1.0_hg',
      '1.0_p1',
      '1.0_p2',
      '1.0a',
      '1.0.1',
    ];
    for (let i = 1; i < ordered.length; i++) {
      expect([ordered[i - 1], compareApkVersions(ordered[i - 1]!, ordered[i]!)]).toEqual([ordered[i - 1], -1]);
    }
  });

  it('compares a part with a leading zero as a string, and other parts as numbers', () => {
    expect(compareApkVersions('1.01', '1.1')).toBe(-1);
    expect(compareApkVersions('1.001', '1.01')).toBe(-1);
    expect(compareApkVersions('1.10', '1.9')).toBe(1);
    // The first number is always a number.
    expect(compareApkVersions('01.0', '1.0')).toBe(0);
  });

  it('orders commit hashes as strings and ranks them between suffixes and the revision', () => {
    expect(compareApkVersions('1.0~abc', '1.0~abd')).toBe(-1);
    expect(compareApkVersions('1.0_p1~abc', '1.0_p1')).toBe(1);
    expect(compareApkVersions('1.0~abc-r1', '1.0~abc-r0')).toBe(1);
  });

  it('reads numbers into 64 bits and wraps around past 2^64 - 1, as apk does', () => {
    expect(compareApkVersions('18446744073709551615', '1')).toBe(1);
    expect(compareApkVersions('18446744073709551616', '0')).toBe(0);
  });
});

describe('isValidApkVersion', () => {
  it.each(['1', '1.2.3', '1.2.3a', '1.0_alpha1_pre2', '1.0_p1-r3', '1.0~0a1b2c-r0', '20240101'])('accepts %j', (v) => {
    expect(isValidApkVersion(v)).toBe(true);
  });

  it.each(['', 'a', '1.', '1..2', '1.0ab', '1.0a1', '1.0_', '1.0_foo', '1.0-r', '1.0-1', '1.0~', '1.0~ABC', '1.0 '])(
    'refuses %j',
    (version) => {
      expect(isValidApkVersion(version)).toBe(false);
    },
  );

  it('is enforced by compareVersions, as `apk version -t` refuses invalid versions', () => {
    expect(() => compareVersions('apk', '1.0', '1.0bc')).toThrow('1.0bc: not a valid apk version');
    expect(compareApkVersions('1.0', '1.0bc')).toBe(-1);
  });
});

describe('apkVersionMatches', () => {
  it('evaluates the dependency operators, fuzzy ones included', () => {
    expect(apkVersionMatches('1.2', '<', '1.3')).toBe(true);
    expect(apkVersionMatches('1.3', '<=', '1.3')).toBe(true);
    expect(apkVersionMatches('1.3', '>=', '1.3.1')).toBe(false);
    expect(apkVersionMatches('3.6.9', '~', '3.6')).toBe(true);
    expect(apkVersionMatches('3.7', '~', '3.6')).toBe(false);
    expect(apkVersionMatches('3.7', '>~', '3.6')).toBe(true);
  });

  it('refuses an operator apk does not know', () => {
    expect(() => apkVersionMatches('1', '!=', '2')).toThrow('not an apk version operator');
    expect(() => apkVersionMatches('1', '', '2')).toThrow('not an apk version operator');
  });
});
