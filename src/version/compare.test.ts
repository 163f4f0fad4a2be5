import { describe, expect, it } from 'vitest';
import { isPatchlineError } from '../core/index.js';
import { compareVersions, versionComparator } from './compare.js';

describe('compareVersions', () => {
  it('compares rpm EVR strings, a missing epoch being 0', () => {
    expect(compareVersions('rpm', '1:1.0-1.el9', '2.0-1.el9')).toBe(1);
    expect(compareVersions('rpm', '0:1.0-1.el9', '1.0-1.el9')).toBe(0);
    expect(compareVersions('rpm', '1.0~rc1-1', '1.0-1')).toBe(-1);
    expect(compareVersions('rpm', '1.0^git1-1', '1.0-1')).toBe(1);
  });

  it('compares Debian and apk versions', () => {
    expect(compareVersions('deb', '2.36-9+deb12u4', '2.36-9+deb12u10')).toBe(-1);
    expect(compareVersions('apk', '1.36.1-r29', '1.36.1-r30')).toBe(-1);
  });

  it('throws a PatchlineError naming a version its package manager refuses', () => {
    for (const [scheme, version] of [
      ['rpm', '1:'],
      ['deb', '1.0-'],
      ['apk', '1.0-1'],
    ] as const) {
      try {
        compareVersions(scheme, version, '1');
        expect.unreachable();
      } catch (error) {
        expect(isPatchlineError(error) && error.kind === 'input' && error.input === version).toBe(true);
      }
    }
  });

  it('hands out the same ordering as a comparator', () => {
    const versions = ['1.0-2', '1.0-10', '1:0.5-1', '1.0~rc1-1'];
    expect(versions.sort(versionComparator('rpm'))).toEqual(['1.0~rc1-1', '1.0-2', '1.0-10', '1:0.5-1']);
  });
});
