import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesGlob } from './glob.js';

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
