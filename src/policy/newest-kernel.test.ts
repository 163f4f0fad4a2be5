import { describe, expect, it } from 'vitest';
import type { AffectedMatch, AffectedPackage } from '../advisories/index.js';
import type { Package } from '../inventory/index.js';
import { kernelInstalledVersion, newestKernelFix } from './newest-kernel.js';

/*
 * Which advisory entries count towards "the newest kernel of the stream". The build order of the versions used here
 * was checked with python3-rpm's labelCompare and `dpkg --compare-versions` (427.100.1 > 427.13.1 > 70.13.1; 6.1.76-1 > 6.1.69-1).
 */

const KERNEL: Package = {
  type: 'rpm',
  name: 'kernel-core',
  version: '5.14.0',
  release: '70.13.1.el9_0',
  arch: 'x86_64',
  sourceName: 'kernel',
  purl: 'pkg:rpm/almalinux/kernel-core@5.14.0-70.13.1.el9_0?arch=x86_64',
  source: 'var/lib/rpm/rpmdb.sqlite',
};

function match(id: string, entry: Partial<AffectedPackage>, withdrawn = false): AffectedMatch {
  const affected: AffectedPackage = {
    ecosystem: 'Red Hat:9',
    scheme: 'rpm',
    package: 'kernel-core',
    nameKind: 'binary',
    status: 'fixed',
    ...entry,
  };
  return {
    advisory: { id, source: 'osv', aliases: [], ...(withdrawn ? { withdrawn: '2025-01-01T00:00:00Z' } : {}) },
    affected,
    firstSeen: '2025-01-01T00:00:00Z',
  };
}

describe('newest kernel fix', () => {
  it('takes the highest fixed build in rpm order, from fixedVersion and ECOSYSTEM ranges alike', () => {
    const newest = newestKernelFix(KERNEL, [
      match('RHSA-1', { fixedVersion: '5.14.0-427.13.1.el9_4' }),
      match('RHSA-2', {
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.14.0-427.100.1.el9_4' }] }],
      }),
      match('RHSA-3', { fixedVersion: '5.14.0-70.13.1.el9_0' }),
    ]);
    expect(newest).toEqual({ version: '5.14.0-427.100.1.el9_4', advisory: 'RHSA-2' });
  });

  it('ignores entries that do not name this package, extended-support streams, other arches, withdrawn records and non-fixes', () => {
    const newest = newestKernelFix(KERNEL, [
      match('RHSA-1', { fixedVersion: '5.14.0-100.1.1.el9' }),
      match('RHSA-EUS', { fixedVersion: '5.14.0-900.1.1.el9', stream: 'cpe:/a:redhat:rhel_eus:9.2::baseos' }),
      match('RHSA-ARM', { fixedVersion: '5.14.0-900.1.1.el9', arches: ['aarch64'] }),
      match('RHSA-OTHER', { fixedVersion: '5.14.0-900.1.1.el9', package: 'kernel-rt-core' }),
      match('RHSA-OLD', { fixedVersion: '5.14.0-900.1.1.el9' }, true),
      match('CVE-OPEN', { status: 'affected' }),
      match('RHSA-SRC', { fixedVersion: '5.14.0-200.1.1.el9', package: 'kernel', nameKind: 'source' }),
    ]);
    expect(newest).toEqual({ version: '5.14.0-200.1.1.el9', advisory: 'RHSA-SRC' });
    expect(newestKernelFix(KERNEL, [])).toBeUndefined();
  });

  it('compares a Debian kernel by its source version, as the Debian data states fixes', () => {
    const debian: Package = {
      type: 'deb',
      name: 'linux-image-6.1.0-17-amd64',
      version: '6.1.69-1',
      sourceName: 'linux',
      sourceVersion: '6.1.69-1',
      purl: 'pkg:deb/debian/linux-image-6.1.0-17-amd64@6.1.69-1',
      source: 'var/lib/dpkg/status',
    };
    expect(kernelInstalledVersion(debian)).toBe('6.1.69-1');
    const newest = newestKernelFix(debian, [
      match('DSA-5593-1', {
        ecosystem: 'Debian:12',
        scheme: 'deb',
        package: 'linux',
        nameKind: 'source',
        fixedVersion: '6.1.76-1',
      }),
    ]);
    expect(newest).toEqual({ version: '6.1.76-1', advisory: 'DSA-5593-1' });
  });
});
