import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPatchlineError } from '../core/index.js';
import { compareEvr, parseEvr, rpmvercmp } from './rpm.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const SHARED = resolve(import.meta.dirname, '../../../shared');
const HAVE_SHARED = existsSync(SHARED);

/** rpm's own tests/rpmvercmp.at cases, as the fixtures list them: `a<TAB>b<TAB>expected`. */
function rpmvercmpCases(): [string, string, number][] {
  if (!HAVE_SHARED) return [];
  return readFileSync(resolve(SHARED, 'fixtures/vercmp/rpmvercmp.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [a, b, expected] = line.split('\t');
      return [a!, b!, Number(expected)];
    });
}

describe.skipIf(!HAVE_SHARED)(
  `rpm's rpmvercmp.at vectors${HAVE_SHARED ? '' : ' (skipped: ../shared is absent)'}`,
  () => {
    const cases = rpmvercmpCases();
    it('has all 91 of them', () => {
      expect(cases).toHaveLength(91);
    });
    it.each(cases)('rpmvercmp(%j, %j) = %i', (a, b, expected) => {
      expect(rpmvercmp(a, b)).toBe(expected);
    });
  },
);

describe('rpmvercmp', () => {
  it('compares digit runs as numbers of any length', () => {
    expect(rpmvercmp('1.123456789012345678901234567890', '1.123456789012345678901234567889')).toBe(1);
    expect(rpmvercmp('1.00000000000000000000000000000001', '1.1')).toBe(0);
  });

  it('treats non-ASCII letters as separators, as rpm does in any locale', () => {
    expect(rpmvercmp('1é0', '1.0')).toBe(0);
    expect(rpmvercmp('1.0é', '1.0')).toBe(0);
  });

  it('puts a numeric run after an alphabetic one at the same place', () => {
    expect(rpmvercmp('1.1', '1.a')).toBe(1);
    expect(rpmvercmp('1.a', '1.1')).toBe(-1);
  });
});

describe('parseEvr', () => {
  // What rpm.ver() of python3-rpm 4.18 parses each into; test/version-oracle.test.ts checks this against it.
  it.each([
    ['1.0', { version: '1.0' }],
    ['1.0-1.el9', { version: '1.0', release: '1.el9' }],
    ['2:1.0-1', { epoch: '2', version: '1.0', release: '1' }],
    ['0:102.11.0-2.el8_7', { epoch: '0', version: '102.11.0', release: '2.el8_7' }],
    [':1.0', { epoch: '0', version: '1.0' }],
    ['a:1-2', { version: 'a:1', release: '2' }],
    ['1:2:3', { epoch: '1', version: '2:3' }],
    ['1-2-3', { version: '1-2', release: '3' }],
    ['1.0-', { version: '1.0', release: '' }],
    ['1.0~rc1-1^git2', { version: '1.0~rc1', release: '1^git2' }],
  ])('%j', (text, expected) => {
    expect(parseEvr(text)).toEqual(expected);
  });

  it.each(['', '1:', '-1', '7:-1'])('refuses %j, whose version is empty', (text) => {
    const error = thrown(() => parseEvr(text));
    expect(isPatchlineError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'input',
      input: text,
      message: `${text}: not an rpm EVR: the version is empty`,
    });
  });
});

describe('compareEvr (python3-rpm labelCompare)', () => {
  it('takes a missing epoch as 0', () => {
    expect(compareEvr({ version: '1.0', release: '1' }, { epoch: '0', version: '1.0', release: '1' })).toBe(0);
    expect(compareEvr({ version: '1.0', release: '1' }, { epoch: 0, version: '1.0', release: '1' })).toBe(0);
    expect(compareEvr({ version: '2.0', release: '1' }, { epoch: 1, version: '1.0', release: '1' })).toBe(-1);
  });

  it('compares epochs with rpmvercmp, so leading zeros do not count', () => {
    expect(compareEvr({ epoch: '007', version: '1' }, { epoch: 7, version: '1' })).toBe(0);
    expect(compareEvr({ epoch: '10', version: '1' }, { epoch: '9', version: '1' })).toBe(1);
  });

  it('sorts a missing release before any release, and an empty release is one', () => {
    expect(compareEvr({ version: '1.0' }, { version: '1.0', release: '1' })).toBe(-1);
    expect(compareEvr({ version: '1.0', release: '1' }, { version: '1.0' })).toBe(1);
    expect(compareEvr({ version: '1.0', release: '' }, { version: '1.0' })).toBe(1);
    expect(compareEvr({ version: '1.0' }, { version: '1.0' })).toBe(0);
    // The empty release is still lower than any other, and higher than a tilde.
    expect(compareEvr({ version: '1.0', release: '' }, { version: '1.0', release: '1' })).toBe(-1);
    expect(compareEvr({ version: '1.0', release: '' }, { version: '1.0', release: '~' })).toBe(1);
  });

  it('decides by epoch, then version, then release', () => {
    expect(compareEvr(parseEvr('1:1.0-9'), parseEvr('2:0.1-1'))).toBe(-1);
    expect(compareEvr(parseEvr('5.14.0-503.21.1.el9_5'), parseEvr('5.14.0-503.19.1.el9_5'))).toBe(1);
    expect(compareEvr(parseEvr('1.0-1.el9'), parseEvr('1.0~rc1-9.el9'))).toBe(1);
  });

  it('refuses an empty version, as labelCompare does', () => {
    expect(() => compareEvr({ version: '' }, { version: '1' })).toThrow(/the version is empty/);
  });
});
