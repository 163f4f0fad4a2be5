import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdvisoryRecord, AffectedPackage } from '../../src/advisories/advisory.js';
import { AdvisoryDatabase, type AffectedMatch } from '../../src/advisories/database.js';
import { osvImporter } from '../../src/advisories/importers/osv.js';
import { readOsvEcosystem } from '../../src/advisories/importers/osv-ecosystem.js';
import { ecosystemOfOsRelease, OS_RELEASE_IDS } from '../../src/advisories/importers/rpm-distribution.js';
import type { Inventory } from '../../src/inventory/inventory-types.js';
import type { OperatingSystem } from '../../src/inventory/os.js';
import type { Package } from '../../src/inventory/package.js';
import { ecosystemFor } from '../../src/scan/ecosystems.js';
import { type AdvisoryLookup, matchInventory } from '../../src/scan/match.js';
import { scanImage } from '../../src/scan/scan-image.js';
import { tempDir } from '../helpers/tmp.js';

/*
 * The matching rules on hand-written records (ids, names and versions in the publishers' own forms). The expected
 * answers follow from the rules in docs/decisions/0012-scan-matching-rules.md and from rpm's and dpkg's ordering;
 * the realistic end-to-end tests (test/scan-*.test.ts) check whole images against independent oracles.
 */

const ALMA8: OperatingSystem = { id: 'almalinux', family: 'redhat', versionId: '8.10', source: 'etc/os-release' };
const NOW = '2026-01-01T00:00:00.000Z';
// What a CentOS Stream scan says about its data: RHEL's, which lags Stream.
const STREAM_9_NOTE =
  "Red Hat VEX for CentOS Stream 9: RHEL 9's data, so a fix Stream ships ahead of RHEL counts only once RHEL ships it";

function rpm(name: string, version: string, release: string, extra: Partial<Package> = {}): Package {
  return {
    type: 'rpm',
    name,
    version,
    release,
    arch: 'x86_64',
    sourceName: name,
    purl: `pkg:rpm/almalinux/${name}@${version}-${release}`,
    source: 'var/lib/rpm/rpmdb.sqlite',
    ...extra,
  };
}

function inventoryOf(packages: Package[], os: OperatingSystem | undefined = ALMA8): Inventory {
  const inventory: Inventory = {
    target: { name: 'dir:/test', labels: {}, layers: [] },
    bootc: { bootc: false, evidence: [] } as unknown as Inventory['bootc'],
    kernels: [],
    packages,
    databases: ['var/lib/rpm/rpmdb.sqlite'],
    problems: [],
    stats: {} as Inventory['stats'],
  };
  if (os) inventory.os = os;
  return inventory;
}

function fixed(name: string, fixedVersion: string, extra: Partial<AffectedPackage> = {}): AffectedPackage {
  return {
    ecosystem: 'AlmaLinux:8',
    scheme: 'rpm',
    package: name,
    nameKind: 'binary',
    status: 'fixed',
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: fixedVersion }] }],
    fixedVersion,
    ...extra,
  };
}

function record(id: string, affected: AffectedPackage[], extra: Partial<AdvisoryRecord> = {}): AdvisoryRecord {
  return { id, source: 'osv', aliases: [], affected, ...extra };
}

/** An in-memory lookup with the database's contract: entries of the ecosystem naming one of the names. */
function lookupOf(records: AdvisoryRecord[], firstSeen = '2025-06-01T00:00:00.000Z'): AdvisoryLookup {
  return {
    lookup(ecosystem, names) {
      const matches: AffectedMatch[] = [];
      for (const { affected, ...advisory } of records) {
        if (advisory.withdrawn) continue;
        for (const entry of affected) {
          if (entry.ecosystem === ecosystem && names.includes(entry.package))
            matches.push({ advisory, affected: entry, firstSeen });
        }
      }
      return matches;
    },
    ecosystems: () => [...new Set(records.flatMap((record) => record.affected.map((entry) => entry.ecosystem)))],
  };
}

function statuses(packages: Package[], records: AdvisoryRecord[], os: OperatingSystem = ALMA8) {
  return matchInventory(inventoryOf(packages, os), lookupOf(records), { now: NOW }).findings.map((f) => [
    f.package.name,
    f.id,
    f.status,
    f.fixedVersion,
  ]);
}

describe('ecosystemFor', () => {
  const os = (id: string, versionId?: string, extra: Partial<OperatingSystem> = {}): OperatingSystem => ({
    id,
    family: 'redhat',
    source: 'etc/os-release',
    ...(versionId === undefined ? {} : { versionId }),
    ...extra,
  });

  it.each([
    [os('almalinux', '8.10'), 'AlmaLinux:8', undefined],
    [os('rocky', '9.4'), 'Rocky Linux:9', undefined],
    [os('rhel', '9.4'), 'Red Hat:9', undefined],
    [os('centos', '9', { stream: true }), 'Red Hat:9', STREAM_9_NOTE],
    [os('centos', '8', { stream: false }), 'Red Hat:8', 'Red Hat VEX for CentOS Linux 8'],
    [os('fedora', '40'), 'Fedora:40', 'Fedora Bodhi updates for Fedora 40'],
    [os('debian', '12'), 'Debian:12', undefined],
    [os('ubuntu', '22.04'), 'Ubuntu:22.04', undefined],
    [os('alpine', '3.21.2'), 'Alpine:v3.21', undefined],
    [os('wolfi', '20230201'), 'Wolfi', undefined],
    [os('ol', '9.4'), 'Oracle Linux:9', undefined],
    [os('amzn', '2023'), 'Amazon Linux:2023', undefined],
    [os('amzn', '2'), 'Amazon Linux:2', undefined],
  ])('%o → %s', (system, ecosystem, note) => {
    const choice = ecosystemFor(system);
    expect(choice.ecosystem).toBe(ecosystem);
    expect('note' in choice ? choice.note : undefined).toBe(note);
  });

  // `updateinfo:URL#os=ID:VERSION_ID` files errata under a key of its own making: it must be the key scan looks up.
  it.each(
    OS_RELEASE_IDS.map((id) => [id, id === 'amzn' ? '2023' : id === 'opensuse-leap' || id === 'sles' ? '15.5' : '9']),
  )('updateinfo #os=%s:%s files errata where a scan of that OS looks', (id, version) => {
    expect(ecosystemOfOsRelease(`${id}:${version}`, 'test')).toBe(ecosystemFor(os(id, version)).ecosystem);
  });

  it.each([
    [os('sles', '15.5'), 'SUSE:Linux Enterprise Server 15 SP5'],
    [os('sles', '15.5'), 'SUSE:Linux Enterprise Module for Basesystem 15 SP5'],
    [os('sles', '12'), 'SUSE:Linux Enterprise Server 12'],
    [os('sle-micro', '5.5'), 'SUSE:Linux Enterprise Micro 5.5'],
    [os('opensuse-leap', '15.5'), 'openSUSE:Leap 15.5'],
    [os('opensuse-tumbleweed', '20240601'), 'openSUSE:Tumbleweed'],
  ])('%o is looked up where the OSV importer files %s', (system, osvEcosystem) => {
    expect(ecosystemFor(system).ecosystem).toBe(readOsvEcosystem(osvEcosystem)?.ecosystem);
    expect(ecosystemFor(system).ecosystem).toBeDefined();
  });

  it('says why there is none: unknown OS, no os-release, no VERSION_ID', () => {
    expect(ecosystemFor(os('gentoo', '2.15'))).toEqual({
      reason: expect.stringMatching(/"gentoo".*no advisory data source/),
    });
    expect(ecosystemFor(os('amzn', '2018.03'))).toEqual({
      reason: expect.stringMatching(/only Amazon Linux 2 and 2023/),
    });
    expect(ecosystemFor(undefined)).toEqual({ reason: expect.stringMatching(/no os-release/) });
    expect(ecosystemFor(os('debian'))).toEqual({ reason: expect.stringMatching(/no VERSION_ID/) });
  });

  it('reports an unknown OS as an ecosystem row with source none, and no findings', () => {
    const result = matchInventory(inventoryOf([rpm('curl', '7.61.1', '1.el8')], os('gentoo', '2.15')), lookupOf([]), {
      now: NOW,
    });
    expect(result.findings).toEqual([]);
    expect(result.ecosystems).toEqual([{ ecosystem: '', source: 'none', note: expect.stringMatching(/"gentoo"/) }]);
  });
});

describe('matchInventory', () => {
  it('fix-available below the fix, nothing at or above it, epochs compared with a missing epoch as 0', () => {
    const records = [
      record('ALSA-2024:0001', [fixed('curl', '7.61.1-34.el8')]),
      record('ALSA-2024:0002', [fixed('bind-libs', '32:9.11.36-11.el8')]),
      record('ALSA-2024:0003', [fixed('zlib', '0:1.2.11-25.el8')]),
    ];
    const packages = [
      rpm('curl', '7.61.1', '33.el8'),
      rpm('bind-libs', '9.11.36', '16.el8'), // no epoch: 0 < 32, so below the fix despite the higher release
      rpm('zlib', '1.2.11', '25.el8'), // no epoch equals epoch 0: fixed
    ];
    expect(statuses(packages, records)).toEqual([
      ['bind-libs', 'ALSA-2024:0002', 'fix-available', '32:9.11.36-11.el8'],
      ['curl', 'ALSA-2024:0001', 'fix-available', '7.61.1-34.el8'],
    ]);
    expect(statuses([rpm('curl', '7.61.1', '34.el8'), rpm('zlib', '1.2.11', '26.el8', { epoch: 0 })], records)).toEqual(
      [],
    );
  });

  it('matches binary entries by name and source entries by source package; arches filter binaries', () => {
    const records = [
      record('RLSA-2024:3671', [
        fixed('ruby', '3.3.1-2.el8', { nameKind: 'source' }),
        fixed('ruby-libs', '3.3.1-2.el8', { arches: ['aarch64'] }),
      ]),
    ];
    const packages = [
      rpm('ruby-libs', '3.3.0', '1.el8', { sourceName: 'ruby' }),
      rpm('ruby', '3.3.0', '1.el8', { arch: 'x86_64', sourceName: 'ruby' }),
      rpm('rubygem-json', '2.7.0', '1.el8', { sourceName: 'rubygem-json' }),
    ];
    expect(statuses(packages, records).map((f) => f[0])).toEqual(['ruby', 'ruby-libs']);
  });

  it('keeps module streams apart', () => {
    const records = [
      record('ALSA-2024:1', [fixed('nodejs', '1:18.20.2-1.module_el8.9.0+3778+a5ea8dc6', { module: 'nodejs:18' })]),
      record('ALSA-2024:2', [fixed('nodejs', '1:16.20.2-4.el8')]),
      record('ALSA-2024:3', [fixed('varnish', '6.0.8-4.module_el8.9.0+3610+98b1d5cd')]), // title named no stream
    ];
    const node18 = { modularityLabel: 'nodejs:18:8090020240101000000:a75119d5', epoch: 1 };
    const node20 = { modularityLabel: 'nodejs:20:8090020240101000000:a75119d5', epoch: 1 };
    expect(statuses([rpm('nodejs', '18.19.0', '1.module_el8.9.0+3700+aaaaaaaa', node18)], records)).toEqual([
      ['nodejs', 'ALSA-2024:1', 'fix-available', '1:18.20.2-1.module_el8.9.0+3778+a5ea8dc6'],
    ]);
    // nodejs:20 is below the 18 fix by version, but another stream: no finding; nor from the non-modular entry.
    expect(statuses([rpm('nodejs', '1.0', '1.module_el8.9.0+1+aaaaaaaa', node20)], records)).toEqual([]);
    // A non-modular nodejs matches only the non-modular entry.
    expect(statuses([rpm('nodejs', '16.0.0', '1.el8', { epoch: 1 })], records)).toEqual([
      ['nodejs', 'ALSA-2024:2', 'fix-available', '1:16.20.2-4.el8'],
    ]);
    const varnish = { modularityLabel: 'varnish:6:8090020240101000000:b4937e53' };
    expect(statuses([rpm('varnish', '6.0.8', '3.module_el8.9.0+1+aaaaaaaa', varnish)], records)).toHaveLength(1);
    expect(statuses([rpm('varnish', '6.0.8', '3.el8')], records)).toEqual([]);
  });

  it('has the fix when any entry of the advisory says so (ALSA-2021:1809 lists two builds of mod_md)', () => {
    const records = [
      record('ALSA-2021:1809', [
        fixed('mod_md', '1:2.0.8-8.module_el8.5.0+2609+b30d9eec', { module: 'httpd:2.4' }),
        fixed('mod_md', '1:2.0.8-8.module_el8.6.0+2872+fe0ff7aa', { module: 'httpd:2.4' }),
      ]),
    ];
    const httpd = { epoch: 1, modularityLabel: 'httpd:2.4:8050020211112043353:b4937e53' };
    expect(statuses([rpm('mod_md', '2.0.8', '8.module_el8.5.0+2609+b30d9eec', httpd)], records)).toEqual([]);
    expect(statuses([rpm('mod_md', '2.0.8', '7.module_el8.5.0+2000+b30d9eec', httpd)], records)).toEqual([
      ['mod_md', 'ALSA-2021:1809', 'fix-available', '1:2.0.8-8.module_el8.5.0+2609+b30d9eec'],
    ]);
  });

  it('maps every publisher status, dropping not-affected unless asked', () => {
    const entry = (status: AffectedPackage['status']): AffectedPackage => ({
      ecosystem: 'Red Hat:9',
      stream: 'cpe:/a:redhat:enterprise_linux:9::appstream',
      scheme: 'rpm',
      package: 'curl',
      nameKind: 'binary',
      status,
    });
    const rhel9: OperatingSystem = { id: 'rhel', family: 'redhat', versionId: '9.4', source: 'etc/os-release' };
    const records = [
      record('CVE-2024-0001', [entry('affected')], { source: 'redhat-csaf-vex' }),
      record('CVE-2024-0002', [entry('fix-deferred')], { source: 'redhat-csaf-vex' }),
      record('CVE-2024-0003', [entry('will-not-fix')], { source: 'redhat-csaf-vex' }),
      record('CVE-2024-0004', [entry('out-of-support')], { source: 'redhat-csaf-vex' }),
      record('CVE-2024-0005', [entry('not-affected')], { source: 'redhat-csaf-vex' }),
    ];
    const packages = [rpm('curl', '7.76.1', '29.el9')];
    expect(statuses(packages, records, rhel9).map((f) => [f[1], f[2]])).toEqual([
      ['CVE-2024-0001', 'no-fix-yet'],
      ['CVE-2024-0002', 'no-fix-yet'],
      ['CVE-2024-0003', 'will-not-fix'],
      ['CVE-2024-0004', 'will-not-fix'],
    ]);
    const all = matchInventory(inventoryOf(packages, rhel9), lookupOf(records), { now: NOW, includeNotAffected: true });
    expect(all.findings.at(-1)).toMatchObject({ id: 'CVE-2024-0005', status: 'not-affected' });
    expect(all.ecosystems).toEqual([{ ecosystem: 'Red Hat:9', source: 'redhat-csaf-vex' }]);
  });

  it("skips Red Hat's extended-support streams, whose older builds would mark a main-stream image fixed", () => {
    const rhel9: OperatingSystem = { id: 'rhel', family: 'redhat', versionId: '9.4', source: 'etc/os-release' };
    const vex = (stream: string, fixedVersion: string): AffectedPackage => ({
      ecosystem: 'Red Hat:9',
      stream,
      scheme: 'rpm',
      package: 'curl',
      nameKind: 'binary',
      status: 'fixed',
      fixedVersion,
      fixAdvisory: 'RHSA-2023:5763',
      fixAvailableSince: '2023-10-18T00:00:00Z',
    });
    const records = [
      record(
        'CVE-2023-38545',
        [
          vex('cpe:/a:redhat:rhel_eus:9.0::appstream', '0:7.76.1-14.el9_0.6'),
          vex('cpe:/a:redhat:enterprise_linux:9::appstream', '0:7.76.1-26.el9_3.2'),
        ],
        { source: 'redhat-csaf-vex', aliases: ['RHSA-2023:5763'] },
      ),
    ];
    const result = matchInventory(inventoryOf([rpm('curl', '7.76.1', '23.el9')], rhel9), lookupOf(records), {
      now: NOW,
    });
    expect(result.findings).toMatchObject([
      {
        id: 'CVE-2023-38545',
        cves: ['CVE-2023-38545'],
        status: 'fix-available',
        fixedVersion: '0:7.76.1-26.el9_3.2',
        fixAdvisory: 'RHSA-2023:5763',
        fixAvailableSince: '2023-10-18T00:00:00Z',
        fixDateOrigin: 'published',
        source: { format: 'redhat-csaf-vex', ecosystem: 'Red Hat:9' },
      },
    ]);
  });

  it("skips extended-support streams as Red Hat's OSV records name them too", () => {
    // The shape of Red Hat's OSV export (RHSA ids, `Red Hat:` + the CPE after the vendor), read by the real importer.
    const osv = osvImporter.parse(
      {
        schema_version: '1.7.0',
        id: 'RHSA-2023:5763',
        modified: '2023-10-18T00:00:00Z',
        published: '2023-10-18T00:00:00Z',
        upstream: ['CVE-2023-38545'],
        affected: [
          ['Red Hat:rhel_eus:9.0::baseos', '0:7.76.1-14.el9_0.9'],
          ['Red Hat:enterprise_linux:9::baseos', '0:7.76.1-26.el9_3.2'],
        ].map(([ecosystem, fixed]) => ({
          package: { ecosystem, name: 'curl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
        })),
      },
      'RHSA-2023:5763.json',
    );
    expect(osv.problems).toEqual([]);
    const rhel90: OperatingSystem = { id: 'rhel', family: 'redhat', versionId: '9.0', source: 'etc/os-release' };
    // A main-stream 9.0 image with the 9.0 EUS build: the main stream's fix is 9.3's.
    expect(statuses([rpm('curl', '7.76.1', '14.el9_0.9')], osv.records, rhel90)).toEqual([
      ['curl', 'RHSA-2023:5763', 'fix-available', '0:7.76.1-26.el9_3.2'],
    ]);
  });

  it('labels CentOS Stream findings with the data used', () => {
    const stream9: OperatingSystem = {
      id: 'centos',
      family: 'redhat',
      versionId: '9',
      stream: true,
      source: 'etc/os-release',
    };
    const records = [
      record(
        'CVE-2023-38545',
        [{ ...fixed('curl', '0:7.76.1-26.el9_3.2'), ecosystem: 'Red Hat:9', ranges: [] } as AffectedPackage],
        { source: 'redhat-csaf-vex' },
      ),
    ];
    const result = matchInventory(inventoryOf([rpm('curl', '7.76.1', '23.el9')], stream9), lookupOf(records), {
      now: NOW,
    });
    expect(result.findings[0]?.source).toEqual({
      format: 'redhat-csaf-vex',
      ecosystem: 'Red Hat:9',
      note: STREAM_9_NOTE,
    });
    expect(result.ecosystems).toEqual([{ ecosystem: 'Red Hat:9', source: 'redhat-csaf-vex', note: STREAM_9_NOTE }]);
  });

  it("compares Debian source entries with the package's source version", () => {
    const debian12: OperatingSystem = {
      id: 'debian',
      family: 'debian',
      versionId: '12',
      codename: 'bookworm',
      source: 'etc/os-release',
    };
    const deb = (name: string, version: string, sourceName: string, sourceVersion: string): Package => ({
      type: 'deb',
      name,
      version,
      arch: 'amd64',
      sourceName,
      sourceVersion,
      purl: `pkg:deb/debian/${name}@${version}`,
      source: 'var/lib/dpkg/status',
    });
    const tracker = (fixedVersion: string): AffectedPackage => ({
      ecosystem: 'Debian:12',
      stream: 'bookworm',
      scheme: 'deb',
      package: 'sope',
      nameKind: 'source',
      status: 'fixed',
      fixedVersion,
    });
    const records = [record('CVE-2025-53603', [tracker('5.8.0-1+deb12u1')], { source: 'debian-tracker' })];
    // The binary's own version (a binNMU-like 5.8.0-1+deb12u1+b1 here would also be above) must not decide:
    // the source version is what the tracker's fixed_version is about.
    expect(statuses([deb('libsope1', '5.9.0-1', 'sope', '5.8.0-1')], records, debian12)).toEqual([
      ['libsope1', 'CVE-2025-53603', 'fix-available', '5.8.0-1+deb12u1'],
    ]);
    expect(statuses([deb('libsope1', '5.8.0-1', 'sope', '5.8.0-1+deb12u1')], records, debian12)).toEqual([]);
  });

  it('merges advisories about one CVE in one package, keeping the erratum that ships the fix', () => {
    const records = [
      record('ALSA-2024:0010', [fixed('openssl-libs', '1:1.1.1k-12.el8_9')], {
        aliases: ['CVE-2023-5678', 'CVE-2024-0727'],
        published: '2024-01-10T00:00:00Z',
      }),
      record('CVE-2023-5678', [{ ...fixed('openssl-libs', '1:1.1.1k-12.el8_9'), status: 'fixed' }]),
      record('ALSA-2024:0020', [fixed('openssl-libs', '1:1.1.1k-14.el8_9')], { aliases: ['CVE-2024-0727'] }),
      record('ALSA-2024:0030', [fixed('openssl-libs', '1:1.1.1k-9.el8_9')], { aliases: ['CVE-2022-0001'] }),
    ];
    const result = matchInventory(
      inventoryOf([rpm('openssl-libs', '1.1.1k', '11.el8_9', { epoch: 1 })]),
      lookupOf(records),
      { now: NOW },
    );
    expect(result.findings.map((f) => [f.id, f.aliases, f.cves, f.fixedVersion])).toEqual([
      [
        'ALSA-2024:0020',
        ['ALSA-2024:0010', 'CVE-2023-5678', 'CVE-2024-0727'],
        ['CVE-2023-5678', 'CVE-2024-0727'],
        '1:1.1.1k-14.el8_9',
      ],
    ]);
  });

  it('dates fixes from the publisher, else from the first sync that saw them, and sorts oldest first', () => {
    const records = [
      record('ALSA-2024:0002', [fixed('b', '2-1.el8', { fixAvailableSince: '2024-05-01T00:00:00Z' })]),
      record('ALSA-2023:0001', [fixed('c', '2-1.el8', { fixAvailableSince: '2023-05-01T00:00:00Z' })]),
      record('CVE-2025-0001', [fixed('a', '2-1.el8')]),
      record('CVE-2025-0002', [
        { ...fixed('a', '2-1.el8'), status: 'affected', ranges: [], fixedVersion: undefined },
      ] as AffectedPackage[]),
      record('ALSA-2022:9999', [fixed('d', '2-1.el8')], { withdrawn: '2023-01-01T00:00:00Z' }),
    ];
    const packages = ['a', 'b', 'c', 'd'].map((name) => rpm(name, '1', '1.el8'));
    const result = matchInventory(inventoryOf(packages), lookupOf(records, '2025-06-01T00:00:00.000Z'), { now: NOW });
    expect(result.findings.map((f) => [f.id, f.status, f.fixAvailableSince, f.fixDateOrigin])).toEqual([
      ['ALSA-2023:0001', 'fix-available', '2023-05-01T00:00:00Z', 'published'],
      ['ALSA-2024:0002', 'fix-available', '2024-05-01T00:00:00Z', 'published'],
      ['CVE-2025-0001', 'fix-available', '2025-06-01T00:00:00.000Z', 'first-seen'],
      ['CVE-2025-0002', 'no-fix-yet', undefined, undefined],
    ]);
    expect(result).toMatchObject({ packages: 4, scannedAt: NOW, suppressed: [] });
  });

  it('reads the same answers through the real database, one query per scan', async () => {
    const db = AdvisoryDatabase.open(join(await tempDir(), 'advisories.db'));
    try {
      db.write(
        'osv',
        {
          records: [
            record('ALSA-2024:0001', [fixed('curl', '7.61.1-34.el8')], { aliases: ['CVE-2023-38545'] }),
            record('RLSA-2024:0001', [{ ...fixed('curl', '7.61.1-34.el8'), ecosystem: 'Rocky Linux:8' }]),
          ],
          problems: [],
        },
        { at: '2026-01-01T00:00:00.000Z', origin: 'test' },
      );
      const status = db.status();
      const result = matchInventory(inventoryOf([rpm('curl', '7.61.1', '33.el8')]), db, {
        now: '2026-01-02T00:00:00.000Z',
        database: { path: db.path, snapshotId: status.snapshotId, builtAt: status.builtAt! },
      });
      expect(result.findings.map((f) => [f.id, f.aliases, f.fixAvailableSince, f.source])).toEqual([
        ['ALSA-2024:0001', ['CVE-2023-38545'], '2026-01-01T00:00:00.000Z', { format: 'osv', ecosystem: 'AlmaLinux:8' }],
      ]);
      expect(result.database).toEqual({
        path: db.path,
        snapshotId: status.snapshotId,
        builtAt: '2026-01-01T00:00:00.000Z',
        ageSeconds: 86_400,
      });
    } finally {
      db.close();
    }
  });

  it('matches Alpine subpackages by origin with apk ordering', () => {
    const alpine: OperatingSystem = { id: 'alpine', family: 'alpine', versionId: '3.21.2', source: 'etc/os-release' };
    const apk = (name: string, version: string, origin: string): Package => ({
      type: 'apk',
      name,
      version,
      arch: 'x86_64',
      sourceName: origin,
      purl: `pkg:apk/alpine/${name}@${version}`,
      source: 'lib/apk/db/installed',
    });
    const secfix = (pkg: string, fixedVersion: string): AffectedPackage => ({
      ecosystem: 'Alpine:v3.21',
      scheme: 'apk',
      package: pkg,
      nameKind: 'source',
      status: 'fixed',
      fixedVersion,
    });
    const records = [record('CVE-2024-0727', [secfix('openssl', '3.3.2-r5')], { source: 'alpine-secdb' })];
    // 3.3.2-r4 < 3.3.2-r5 (revision), 3.3.2_p1-r0 > 3.3.2-r5 (a patch suffix sorts after the release).
    expect(
      statuses([apk('libcrypto3', '3.3.2-r4', 'openssl'), apk('libssl3', '3.3.2_p1-r0', 'openssl')], records, alpine),
    ).toEqual([['libcrypto3', 'CVE-2024-0727', 'fix-available', '3.3.2-r5']]);
  });

  it('goes on past versions no scheme can read, in the package or in the data', () => {
    const alpine: OperatingSystem = { id: 'alpine', family: 'alpine', versionId: '3.21.2', source: 'etc/os-release' };
    const broken: Package = {
      type: 'apk',
      name: 'busybox',
      version: 'not a version!',
      sourceName: 'busybox',
      purl: 'pkg:apk/alpine/busybox',
      source: 'lib/apk/db/installed',
    };
    const good: Package = { ...broken, name: 'ssl_client', version: '1.36.1-r1' };
    const entry = (fixedVersion: string): AffectedPackage => ({
      ecosystem: 'Alpine:v3.21',
      scheme: 'apk',
      package: 'busybox',
      nameKind: 'source',
      status: 'fixed',
      fixedVersion,
    });
    const records = [
      record('CVE-2023-0001', [entry('1.36.1-r2')], { source: 'alpine-secdb' }),
      record('CVE-2023-0002', [entry('1..bad')], { source: 'alpine-secdb' }),
      record('GIT-ONLY', [
        {
          ...entry('1.36.1-r2'),
          ranges: [{ type: 'GIT', events: [{ introduced: '0' }, { fixed: 'abc' }] }],
          fixedVersion: undefined,
        },
      ]),
    ];
    expect(statuses([broken, good], records, alpine)).toEqual([
      ['ssl_client', 'CVE-2023-0001', 'fix-available', '1.36.1-r2'],
    ]);
  });

  it('scans an image folder with scanImage, and names a missing database', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const root = join(await tempDir(), 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'lib/apk/db'), { recursive: true });
    await writeFile(join(root, 'etc/os-release'), 'ID=alpine\nVERSION_ID=3.21.2\n');
    await writeFile(join(root, 'lib/apk/db/installed'), 'P:busybox\nV:1.36.1-r1\nA:x86_64\no:busybox\nS:1\nI:1\n\n');
    const dbPath = join(await tempDir(), 'advisories.db');
    await expect(scanImage(`dir:${root}`, { db: dbPath })).rejects.toMatchObject({
      name: 'PatchlineError',
      kind: 'not-found',
      message: expect.stringContaining(dbPath),
    });
    const db = AdvisoryDatabase.open(dbPath);
    db.write(
      'alpine-secdb',
      {
        records: [
          record(
            'CVE-2023-42363',
            [
              {
                ecosystem: 'Alpine:v3.21',
                scheme: 'apk',
                package: 'busybox',
                nameKind: 'source',
                status: 'fixed',
                fixedVersion: '1.36.1-r2',
              },
            ],
            { source: 'alpine-secdb' },
          ),
        ],
        problems: [],
      },
      { at: '2026-01-01T00:00:00.000Z', origin: 'test' },
    );
    db.close();
    const result = await scanImage(`dir:${root}`, { db: dbPath, now: NOW });
    expect(result.findings.map((f) => [f.package.name, f.id, f.fixedVersion, f.fixDateOrigin])).toEqual([
      ['busybox', 'CVE-2023-42363', '1.36.1-r2', 'first-seen'],
    ]);
    expect(result.ecosystems).toEqual([{ ecosystem: 'Alpine:v3.21', source: 'alpine-secdb' }]);
  });
});
