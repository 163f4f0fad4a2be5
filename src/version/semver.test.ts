import { describe, expect, it } from 'vitest';
import { compareSemver } from './semver.js';

describe('compareSemver', () => {
  it("follows semver.org's precedence example, section 11", () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '2.0.0',
      '2.1.0',
      '2.1.1',
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect([ordered[i], ordered[j], compareSemver(ordered[i]!, ordered[j]!)]).toEqual([
          ordered[i],
          ordered[j],
          Math.sign(i - j),
        ]);
      }
    }
  });

  it('compares numbers of any size numerically', () => {
    expect(compareSemver('1.10.0', '1.9.0')).toBe(1);
    expect(compareSemver('1.0.0-rc.10', '1.0.0-rc.9')).toBe(1);
    expect(compareSemver('99999999999999999999.0.0', '99999999999999999998.0.0')).toBe(1);
  });

  it('ignores build metadata', () => {
    expect(compareSemver('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
    expect(compareSemver('1.0.0-rc.1+b', '1.0.0')).toBe(-1);
  });

  it.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0-01', '1.0.0-', '1.0.0+', ''])('refuses %j', (version) => {
    expect(() => compareSemver(version, '1.0.0')).toThrow('not a SemVer 2.0.0 version');
  });
});
