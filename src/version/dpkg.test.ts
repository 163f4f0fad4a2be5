import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPatchlineError } from '../core/index.js';
import { compareVersions } from './compare.js';
import { compareDebVersions, parseDebVersion } from './dpkg.js';

const SHARED = resolve(import.meta.dirname, '../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const EXPECTED: Record<string, number> = { '<': -1, '=': 0, '>': 1 };

function fixtureLines(name: string): string[] {
  if (!HAVE_SHARED) return [];
  return readFileSync(resolve(SHARED, 'fixtures/vercmp', name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

function compareDeb(a: string, b: string): number {
  return compareVersions('deb', a, b);
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe.skipIf(!HAVE_SHARED)(`dpkg's own and real Debian vectors${SKIPPED}`, () => {
  const cases = fixtureLines('dpkg.tsv').map((line) => {
    const [a, b, expected] = line.split('\t');
    return [a!, b!, Number(expected)] as const;
  });

  it.each(cases)('dpkg.tsv: %j vs %j = %i', (a, b, expected) => {
    expect(compareDeb(a, b)).toBe(expected);
    expect(compareDeb(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it('debian-generated.txt: all 14,442 relations hold both ways', () => {
    const lines = fixtureLines('debian-generated.txt');
    expect(lines).toHaveLength(14442);
    const failures: string[] = [];
    for (const line of lines) {
      const [a, operator, b] = line.split(' ');
      const expected = EXPECTED[operator!];
      if (expected === undefined) throw new Error(`unknown operator in ${JSON.stringify(line)}`);
      const forward = compareDeb(a!, b!);
      const backward = compareDeb(b!, a!);
      if (forward !== expected || backward !== -expected)
        failures.push(`${line}: got ${forward}, reversed ${backward}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('compareDebVersions', () => {
  it('compares the epoch first, as a number', () => {
    expect(compareDeb('10:1', '9:2')).toBe(1);
    expect(compareDeb('1:0.1', '2.0')).toBe(1);
    expect(compareDeb('0:1.0-1', '1.0-1')).toBe(0);
  });

  it('sorts a tilde before the end of the string and the end before letters and letters before the rest', () => {
    expect(compareDeb('1.0~rc1', '1.0')).toBe(-1);
    expect(compareDeb('1.0~~', '1.0~')).toBe(-1);
    expect(compareDeb('1.0', '1.0a')).toBe(-1);
    expect(compareDeb('1.0a', '1.0+')).toBe(-1);
    expect(compareDeb('1.0Z', '1.0a')).toBe(-1);
  });

  it('compares digit runs as numbers of any length', () => {
    expect(compareDeb('1.000000000000000000000000000000001', '1.1')).toBe(0);
    expect(compareDeb('123456789012345678901234567890', '123456789012345678901234567889')).toBe(1);
  });

  it('takes a missing revision as an empty one, which equals revision 0', () => {
    expect(compareDebVersions(parseDebVersion('1.0'), parseDebVersion('1.0-0'))).toBe(0);
    expect(compareDeb('1.0', '1.0-1')).toBe(-1);
    expect(compareDeb('1.0-1~bpo1', '1.0')).toBe(1);
  });
});

describe('parseDebVersion', () => {
  it('splits epoch, upstream (which may hold colons and hyphens) and revision', () => {
    expect(parseDebVersion('1:2.30-1+deb12u1')).toEqual({ epoch: 1, upstream: '2.30', revision: '1+deb12u1' });
    expect(parseDebVersion('2:1.2-3:4-5')).toEqual({ epoch: 2, upstream: '1.2-3:4', revision: '5' });
    expect(parseDebVersion('1.0')).toEqual({ epoch: 0, upstream: '1.0', revision: '' });
  });

  it('ignores spaces and tabs around the version, as dpkg does', () => {
    expect(parseDebVersion(' \t1.0-1 ')).toEqual({ epoch: 0, upstream: '1.0', revision: '1' });
  });

  it('reads the epoch as strtol does: a sign and leading whitespace other than blanks are accepted', () => {
    expect(parseDebVersion('+1:2').epoch).toBe(1);
    expect(parseDebVersion('\n1:2').epoch).toBe(1);
    expect(parseDebVersion('-0:2').epoch).toBe(0);
    expect(parseDebVersion('2147483647:1').epoch).toBe(2147483647);
  });

  // dpkg's own words: `dpkg --compare-versions` prints "version '…' has bad syntax: <problem>" for each of these.
  it.each([
    ['', 'version string is empty'],
    [' \t ', 'version string is empty'],
    ['1.0 1', 'version string has embedded spaces'],
    [':1.0', 'epoch in version is empty'],
    ['a:1.0', 'epoch in version is empty'],
    ['1a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is negative'],
    ['2147483648:1.0', 'epoch in version is too big'],
    ['1:', 'nothing after colon in version number'],
    ['1.0-', 'revision number is empty'],
    ['-1', 'version number is empty'],
    ['1:-1', 'version number is empty'],
    ['a1.0', 'version number does not start with digit'],
    ['1.0_1', 'invalid character in version number'],
    ['1.0é', 'invalid character in version number'],
    ['1:1.0-1:2', 'invalid character in revision number'],
    ['1.0-1_2', 'invalid character in revision number'],
  ])('refuses %j: %s', (text, problem) => {
    const error = thrown(() => parseDebVersion(text));
    expect(isPatchlineError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'input',
      input: text,
      message: `${text}: not a valid Debian version: ${problem}`,
    });
  });

  it('names the invalid side when comparing', () => {
    expect(() => compareDeb('1.0', '1.0_1')).toThrow('1.0_1: not a valid Debian version');
  });
});
