import { describe, expect, it } from 'vitest';
import type { AffectedPackage } from '../advisories/index.js';
import { buildMinor, entriesForMinor, osMinor } from './redhat-minor.js';

/** A main-stream fix as the CSAF VEX importer stores curl's CVE-2023-38545 entries. */
function fix(fixedVersion: string, ecosystem = 'Red Hat:9'): { affected: AffectedPackage } {
  return {
    affected: {
      ecosystem,
      stream: 'cpe:/o:redhat:enterprise_linux:9::baseos',
      scheme: 'rpm',
      package: 'curl',
      nameKind: 'binary',
      status: 'fixed',
      fixedVersion,
    },
  };
}

const FIX_92 = fix('7.76.1-23.el9_2.4');
const FIX_93 = fix('7.76.1-26.el9_3.2');

function chosen(release: string, imageMinor: number | undefined, ...matches: Array<{ affected: AffectedPackage }>) {
  return entriesForMinor(matches, { version: '7.76.1', release }, imageMinor).map((m) => m.affected.fixedVersion);
}

describe('buildMinor and osMinor', () => {
  it.each([
    ['7.76.1-26.el9_3.2', 3],
    ['7.76.1-23.el9_2.4', 2],
    ['8.5.0-23.el8_10', 10],
    ['3.3.1-2.module+el9.4.0+20787+4c237fd3', 4],
    ['7.76.1-26.el9', undefined],
    ['1.2.1-2.2+wheezy3', undefined],
  ])('%s → %s', (version, minor) => {
    expect(buildMinor(version)).toBe(minor);
  });

  it('reads the minor of os-release VERSION_ID, none from a major alone', () => {
    expect(osMinor({ versionId: '9.3' })).toBe(3);
    expect(osMinor({ versionId: '9' })).toBeUndefined();
    expect(osMinor(undefined)).toBeUndefined();
  });
});

describe('entriesForMinor: one minor release of the main-stream fixes judges a package', () => {
  it("takes the package's own minor first, then the image's", () => {
    expect(chosen('26.el9_3.1', 2, FIX_92, FIX_93)).toEqual(['7.76.1-26.el9_3.2']);
    expect(chosen('23.el9_2.2', 3, FIX_92, FIX_93)).toEqual(['7.76.1-23.el9_2.4']);
    expect(chosen('26.el9', 3, FIX_92, FIX_93)).toEqual(['7.76.1-26.el9_3.2']);
    expect(chosen('23.el9', 2, FIX_92, FIX_93)).toEqual(['7.76.1-23.el9_2.4']);
  });

  it('takes the next minor with a fix, else the latest, and the latest when no minor is known', () => {
    expect(chosen('20.el9', 1, FIX_92, FIX_93)).toEqual(['7.76.1-23.el9_2.4']);
    expect(chosen('29.el9', 4, FIX_92, FIX_93)).toEqual(['7.76.1-26.el9_3.2']);
    expect(chosen('26.el9', undefined, FIX_92, FIX_93)).toEqual(['7.76.1-26.el9_3.2']);
  });

  it('keeps GA-build fixes, other ecosystems, and advisories whose fixes name one minor', () => {
    expect(chosen('26.el9', 3, FIX_92, FIX_93, fix('7.76.1-14.el9'))).toEqual(['7.76.1-26.el9_3.2', '7.76.1-14.el9']);
    expect(chosen('26.el9', 3, FIX_92)).toEqual(['7.76.1-23.el9_2.4']);
    const alma = [fix('2.4.37-47.module_el8.5.0+1', 'AlmaLinux:8'), fix('2.4.37-56.module_el8.6.0+2', 'AlmaLinux:8')];
    expect(chosen('47.el8', 6, ...alma)).toHaveLength(2);
  });
});
