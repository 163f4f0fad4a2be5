import { describe, expect, it } from 'vitest';
import { formatSeconds, parseDurationSeconds } from './duration.js';
import { globToRegExp, matchesGlob } from './glob.js';

describe('policy durations', () => {
  it('reads 0 and unit sums, and refuses what is not one', () => {
    expect(parseDurationSeconds(0)).toBe(0);
    expect(parseDurationSeconds('0')).toBe(0);
    expect(parseDurationSeconds('0s')).toBe(0);
    expect(parseDurationSeconds('72h')).toBe(72 * 3600);
    expect(parseDurationSeconds('1w2d3h4m5s')).toBe(604_800 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5);
    for (const bad of ['', '3 days', '1h1d', '-1h', '1.5h', 'h', 3]) expect(parseDurationSeconds(bad)).toBeUndefined();
  });

  it('prints ages as people read them', () => {
    expect(formatSeconds(0)).toBe('0s');
    expect(formatSeconds(90)).toBe('1m 30s');
    expect(formatSeconds(3 * 86_400 + 4 * 3600 + 59)).toBe('3d 4h');
    expect(formatSeconds(7200)).toBe('2h');
  });
});

describe('package globs', () => {
  it('* and ? are wildcards; every other character is literal, including regular-expression ones', () => {
    expect(matchesGlob('gcc*', 'gcc-c++')).toBe(true);
    expect(matchesGlob('gcc*', 'libgcc')).toBe(false);
    expect(matchesGlob('sud?', 'sudo')).toBe(true);
    expect(matchesGlob('gcc-c++', 'gcc-c++')).toBe(true);
    expect(matchesGlob('gcc-c++', 'gcc-cc')).toBe(false);
    expect(matchesGlob('lib.so', 'libxso')).toBe(false);
    expect(matchesGlob('(a|b)', 'a')).toBe(false);
    expect(globToRegExp('x[1]').test('x[1]')).toBe(true);
  });
});
