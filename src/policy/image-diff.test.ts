import { describe, expect, it } from 'vitest';
import type { Inventory, Kernel, Package } from '../inventory/index.js';
import type { Finding, ScanResult } from '../scan/index.js';
import { diffAdvisories } from './advisory-diff.js';
import { diffImages } from './image-diff.js';
import { bootedKernel } from './kernel-diff.js';
import { diffLayers } from './layer-diff.js';
import { diffPackages } from './package-diff.js';

/** `name-[epoch:]version-release.arch` as rpm -q prints it, into a Package. */
function rpm(nevra: string): Package {
  const match = /^(.+)-(?:(\d+):)?([^-]+)-([^-]+)\.([^.]+)$/.exec(nevra);
  if (!match) throw new Error(nevra);
  const [, name, epoch, version, release, arch] = match;
  const pkg: Package = {
    type: 'rpm',
    name: name!,
    version: version!,
    release: release!,
    arch: arch!,
    purl: '',
    source: '',
  };
  if (epoch !== undefined) pkg.epoch = Number(epoch);
  return pkg;
}

function deb(name: string, version: string, arch = 'amd64'): Package {
  return { type: 'deb', name, version, arch, purl: '', source: '' };
}

function inventory(packages: Package[], kernels: Kernel[] = [], bootc = false): Inventory {
  return {
    target: { name: 'test', labels: {}, layers: [] },
    bootc: { bootc, evidence: [] },
    kernels,
    packages,
    databases: ['var/lib/rpm/rpmdb.sqlite'],
    problems: [],
    stats: {} as Inventory['stats'],
  };
}

function finding(id: string, pkg: Package, status: Finding['status'], fixedVersion?: string): Finding {
  const installed = `${pkg.epoch !== undefined ? `${pkg.epoch}:` : ''}${pkg.version}${pkg.release ? `-${pkg.release}` : ''}`;
  const result: Finding = {
    id,
    aliases: [],
    cves: [],
    package: {
      type: pkg.type,
      name: pkg.name,
      version: pkg.version,
      purl: '',
      installed,
      ...(pkg.arch ? { arch: pkg.arch } : {}),
    },
    scheme: pkg.type,
    status,
    source: { format: 'osv', ecosystem: 'AlmaLinux:9' },
  };
  if (fixedVersion) result.fixedVersion = fixedVersion;
  return result;
}

function scan(findings: Finding[], snapshotId = 'snap-1'): ScanResult {
  return {
    target: { name: 'test', labels: {}, layers: [] },
    ecosystems: [],
    findings,
    suppressed: [],
    database: { path: 'db', snapshotId },
    packages: 0,
    scannedAt: '2026-11-22T00:00:00Z',
  };
}

describe('diffPackages', () => {
  it('pairs rpm packages by name and arch, and orders versions as rpm does (epoch first, then version, release)', () => {
    const diff = diffPackages(
      [
        rpm('glibc-2.34-100.el9.x86_64'),
        rpm('glibc-2.34-100.el9.i686'),
        rpm('tar-2:1.34-6.el9.x86_64'),
        rpm('gone-1.0-1.el9.noarch'),
      ],
      [
        rpm('glibc-2.34-100.el9_4.2.x86_64'),
        rpm('glibc-2.34-100.el9.i686'),
        // An epoch of 1 sorts below 2 whatever the version says: a downgrade.
        rpm('tar-1:1.35-1.el9.x86_64'),
        rpm('new-1.0-1.el9.noarch'),
      ],
    );
    expect(diff.upgraded).toEqual([
      { type: 'rpm', name: 'glibc', arch: 'x86_64', from: '2.34-100.el9', to: '2.34-100.el9_4.2' },
    ]);
    expect(diff.downgraded).toEqual([
      { type: 'rpm', name: 'tar', arch: 'x86_64', from: '2:1.34-6.el9', to: '1:1.35-1.el9' },
    ]);
    expect(diff.added.map((p) => p.name)).toEqual(['new']);
    expect(diff.removed.map((p) => p.name)).toEqual(['gone']);
    expect(diff.unchanged).toBe(1);
  });

  it('pairs a package whose architecture changed, as dnf does, when the name is alone on each side', () => {
    const diff = diffPackages([rpm('tool-1.0-1.el9.noarch')], [rpm('tool-1.1-1.el9.x86_64')]);
    expect(diff.upgraded).toEqual([
      { type: 'rpm', name: 'tool', arch: 'x86_64', oldArch: 'noarch', from: '1.0-1.el9', to: '1.1-1.el9' },
    ]);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  it('treats each version of an installonly package (a kernel) as its own install', () => {
    const added = diffPackages(
      [rpm('kernel-core-5.14.0-427.el9.x86_64')],
      [rpm('kernel-core-5.14.0-427.el9.x86_64'), rpm('kernel-core-5.14.0-503.el9.x86_64')],
    );
    expect(added.added).toEqual([
      { type: 'rpm', name: 'kernel-core', arch: 'x86_64', version: '5.14.0-503.el9', alongside: ['5.14.0-427.el9'] },
    ]);
    expect(added.upgraded).toEqual([]);
    expect(added.unchanged).toBe(1);

    const rotated = diffPackages(
      [rpm('kernel-core-5.14.0-427.el9.x86_64'), rpm('kernel-core-5.14.0-503.el9.x86_64')],
      [rpm('kernel-core-5.14.0-570.el9.x86_64'), rpm('kernel-core-5.14.0-503.el9.x86_64')],
    );
    expect(rotated.removed).toEqual([
      {
        type: 'rpm',
        name: 'kernel-core',
        arch: 'x86_64',
        version: '5.14.0-427.el9',
        alongside: ['5.14.0-503.el9', '5.14.0-570.el9'],
      },
    ]);
    expect(rotated.added.map((p) => p.version)).toEqual(['5.14.0-570.el9']);
    expect(rotated.unchanged).toBe(1);
  });

  it('orders Debian versions as dpkg does (~ before anything, epochs)', () => {
    const diff = diffPackages(
      [deb('apt', '2.6.1'), deb('zlib1g', '1:1.2.13.dfsg-1')],
      [deb('apt', '2.6.1~rc1'), deb('zlib1g', '1:1.2.13.dfsg-1+b1')],
    );
    expect(diff.downgraded.map((p) => p.name)).toEqual(['apt']);
    expect(diff.upgraded.map((p) => `${p.name} ${p.from} ${p.to}`)).toEqual([
      'zlib1g 1:1.2.13.dfsg-1 1:1.2.13.dfsg-1+b1',
    ]);
  });
});

describe('diffAdvisories', () => {
  const old = [rpm('hello-1.0-1.el9.noarch'), rpm('legacy-1.0-1.el9.noarch'), rpm('kernel-core-5.14.0-427.el9.x86_64')];
  const next = [
    rpm('hello-1.1-1.el9.noarch'),
    rpm('extra-1.0-1.el9.noarch'),
    rpm('kernel-core-5.14.0-427.el9.x86_64'),
    rpm('kernel-core-5.14.0-503.el9.x86_64'),
  ];

  it('a fix is gained when NEW no longer has the finding; a kernel left installed beside the new one keeps it', () => {
    const diff = diffAdvisories(
      scan([
        finding('ALSA-1', old[0]!, 'fix-available', '1.1-1.el9'),
        finding('ALSA-2', old[1]!, 'fix-available', '2.0-1.el9'),
        finding('ALSA-3', old[2]!, 'fix-available', '5.14.0-503.el9'),
        finding('ALSA-4', old[0]!, 'no-fix-yet'),
      ]),
      scan([
        finding('ALSA-3', next[2]!, 'fix-available', '5.14.0-503.el9'),
        finding('ALSA-4', next[0]!, 'no-fix-yet'),
        finding('ALSA-5', next[1]!, 'no-fix-yet'),
        finding('ALSA-6', next[0]!, 'fix-available', '1.2-1.el9'),
      ]),
      old,
      next,
    );
    expect(diff.fixesGained.map((c) => [c.id, c.package.name, c.cause, c.newVersions.join(',')])).toEqual([
      ['ALSA-1', 'hello', 'upgraded', '1.1-1.el9'],
      ['ALSA-2', 'legacy', 'removed', ''],
    ]);
    expect(diff.newlyApplicable.map((c) => [c.id, c.package.name, c.status, c.cause])).toEqual([
      ['ALSA-5', 'extra', 'no-fix-yet', 'added'],
      ['ALSA-6', 'hello', 'fix-available', 'changed-version'],
    ]);
    expect(diff.counts.old['fix-available']).toBe(3);
    expect(diff.counts.new['fix-available']).toBe(2);
    expect(diff.note).toBeUndefined();
  });

  it('says so when the two scans read different advisory snapshots', () => {
    const diff = diffAdvisories(scan([], 'a'), scan([], 'b'), [], []);
    expect(diff.note).toContain('different advisory snapshots');
  });
});

describe('kernels and layers', () => {
  const kernel = (version: string, location: Kernel['location']): Kernel => ({
    version,
    location,
    path: location === 'modules' ? `usr/lib/modules/${version}/vmlinuz` : `boot/vmlinuz-${version}`,
  });

  it('a bootc image boots the newest kernel under usr/lib/modules, a classic one the newest anywhere', () => {
    const kernels = [
      kernel('5.14.0-427.el9.x86_64', 'modules'),
      kernel('5.14.0-1000.el9.x86_64', 'boot'),
      kernel('5.14.0-503.el9.x86_64', 'modules'),
    ];
    expect(bootedKernel(inventory([], kernels, true))?.version).toBe('5.14.0-503.el9.x86_64');
    expect(bootedKernel(inventory([], kernels, false))?.version).toBe('5.14.0-1000.el9.x86_64');
    const diff = diffImages(
      { inventory: inventory([], [kernel('5.14.0-427.el9.x86_64', 'modules')], true) },
      { inventory: inventory([], kernels.slice(0, 1).concat(kernels[2]!), true) },
    );
    expect(diff.kernel).toMatchObject({
      change: 'upgraded',
      old: '5.14.0-427.el9.x86_64',
      new: '5.14.0-503.el9.x86_64',
    });
    expect(diff.advisories).toEqual({ computed: false, reason: 'no scan of both images was given' });
  });

  it('layers are the same when their blob digests are; a layer listed twice downloads once', () => {
    const layer = (n: number, size: number) => ({ digest: `sha256:${String(n).repeat(64)}`, size });
    const diff = diffLayers([layer(1, 100), layer(2, 20)], [layer(1, 100), layer(3, 30), layer(3, 30)]);
    expect(diff.shared.map((l) => l.size)).toEqual([100]);
    expect(diff.added.map((l) => l.size)).toEqual([30]);
    expect(diff.removed.map((l) => l.size)).toEqual([20]);
    expect(diff.bytes).toEqual({ old: 120, new: 160, shared: 100, added: 30, removed: 20 });
  });
});
