import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdvisoryRecord, ImportResult } from '../advisory.js';
import { osvImporter } from './osv.js';
import { readOsvEcosystem } from './osv-ecosystem.js';
import { redHatEcosystem } from './redhat/cpe.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const VULN = resolve(SHARED, 'fixtures/vuln');

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Parses one fixture file, asserting it is detected as OSV and imports without a problem. */
function importFile(dir: string, name: string): AdvisoryRecord {
  const document = readJson(resolve(VULN, dir, name));
  expect(osvImporter.detect(document, name)).toBe(true);
  const result = osvImporter.parse(document, name);
  expect(result.problems).toEqual([]);
  expect(result.records).toHaveLength(1);
  return result.records[0] as AdvisoryRecord;
}

/** Every `.json` entry of the AlmaLinux database tarball, parsed, with its entry name. */
async function readTarball(path: string): Promise<Array<{ name: string; document: unknown }>> {
  const entries: Array<{ name: string; document: unknown }> = [];
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      if (header.type === 'file' && header.name.endsWith('.json')) {
        entries.push({ name: header.name, document: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      }
      next();
    });
    stream.resume();
  });
  await new Promise<void>((done, fail) => {
    tar.on('finish', done);
    tar.on('error', fail);
    createReadStream(path).pipe(createGunzip()).on('error', fail).pipe(tar);
  });
  return entries;
}

describe('readOsvEcosystem: ecosystems as OSV writes them, reduced to what os-release identifies', () => {
  it.each([
    ['AlmaLinux:8', 'AlmaLinux:8', undefined, 'rpm', 'binary'],
    ['Rocky Linux:9', 'Rocky Linux:9', undefined, 'rpm', 'source'],
    ['Debian:12', 'Debian:12', 'bookworm', 'deb', 'source'],
    ['Ubuntu:22.04:LTS', 'Ubuntu:22.04', 'Ubuntu:22.04:LTS', 'deb', 'source'],
    ['Ubuntu:Pro:18.04:LTS', 'Ubuntu:Pro:18.04', 'Ubuntu:Pro:18.04:LTS', 'deb', 'source'],
    ['Ubuntu:24.10', 'Ubuntu:24.10', undefined, 'deb', 'source'],
    ['Alpine:v3.21', 'Alpine:v3.21', undefined, 'apk', 'source'],
    ['Wolfi', 'Wolfi', undefined, 'apk', 'source'],
    ['Chainguard', 'Chainguard', undefined, 'apk', 'source'],
    ['Red Hat:enterprise_linux:9::appstream', 'Red Hat:9', 'Red Hat:enterprise_linux:9::appstream', 'rpm', 'binary'],
    ['Red Hat:rhel_eus:8.4::baseos', 'Red Hat:8', 'Red Hat:rhel_eus:8.4::baseos', 'rpm', 'binary'],
    ['Red Hat:enterprise_linux:10.0', 'Red Hat:10', 'Red Hat:enterprise_linux:10.0', 'rpm', 'binary'],
    // A layered product is not RHEL: its own repositories, kept apart as the CSAF importers keep it.
    ['Red Hat:openshift:4.16::el9', 'Red Hat layered:9', 'Red Hat:openshift:4.16::el9', 'rpm', 'binary'],
    ['Red Hat:rhel_satellite_client:6::el8', 'Red Hat layered:8', undefined, 'rpm', 'binary'],
    ['SUSE:Linux Enterprise Server 15 SP5', 'SUSE:15.5', 'SUSE:Linux Enterprise Server 15 SP5', 'rpm', 'source'],
    ['SUSE:Linux Enterprise Module for Basesystem 15 SP5', 'SUSE:15.5', undefined, 'rpm', 'source'],
    ['SUSE:Linux Enterprise Server 12', 'SUSE:12', 'SUSE:Linux Enterprise Server 12', 'rpm', 'source'],
    // After general support SUSE files a release's fixes under its support phase.
    [
      'SUSE:Linux Enterprise Server 15 SP4-LTSS',
      'SUSE:15.4',
      'SUSE:Linux Enterprise Server 15 SP4-LTSS',
      'rpm',
      'source',
    ],
    ['SUSE:Linux Enterprise High Performance Computing 15 SP5-ESPOS', 'SUSE:15.5', undefined, 'rpm', 'source'],
    ['SUSE:Linux Enterprise Micro 5.5', 'SUSE:Micro:5.5', 'SUSE:Linux Enterprise Micro 5.5', 'rpm', 'source'],
    ['openSUSE:Leap 15.5', 'openSUSE:Leap 15.5', undefined, 'rpm', 'source'],
  ])('%s → %s', (original, ecosystem, stream, scheme, nameKind) => {
    const read = readOsvEcosystem(original);
    expect(read).toMatchObject({ ecosystem, scheme, nameKind });
    if (stream !== undefined) expect(read?.stream).toBe(stream);
  });

  it('takes a Red Hat source rpm from the purl, and leaves language ecosystems alone', () => {
    expect(readOsvEcosystem('Red Hat:enterprise_linux:9::appstream', 'pkg:rpm/redhat/curl?arch=src')?.nameKind).toBe(
      'source',
    );
    expect(readOsvEcosystem('npm')).toBeUndefined();
    expect(readOsvEcosystem('PyPI')).toBeUndefined();
    expect(readOsvEcosystem('Mageia:9')).toBeUndefined();
    expect(readOsvEcosystem('Ubuntu:LTS')).toBeUndefined();
    // Tied to no RHEL major, as the CSAF importers leave it unread.
    expect(readOsvEcosystem('Red Hat:openshift:4')).toBeUndefined();
  });
});

/** Every product CPE of the real Red Hat CSAF documents in the fixtures. */
function fixtureCpes(): string[] {
  const cpes = new Set<string>();
  function walk(node: unknown): void {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'cpe' && typeof value === 'string') cpes.add(value);
        else walk(value);
      }
    }
  }
  for (const dir of ['redhat-csaf-vex', 'redhat-csaf-advisories']) {
    for (const name of readdirSync(resolve(VULN, dir)).filter((file) => file.endsWith('.json'))) {
      walk((readJson(resolve(VULN, dir, name)) as { product_tree?: unknown }).product_tree);
    }
  }
  return [...cpes].sort();
}

describe.skipIf(!HAVE_SHARED)(
  `OSV Red Hat ecosystems land where the CSAF importers put the same product${SKIPPED}`,
  () => {
    it("reads every product CPE of the fixtures' CSAF documents, written as OSV writes it, into the CSAF ecosystem", () => {
      const cpes = fixtureCpes();
      // The documents name RHEL main and xUS streams and layered products (OpenShift, Satellite, JBCS).
      expect(cpes.length).toBeGreaterThan(20);
      expect(cpes.some((cpe) => cpe.includes(':openshift:'))).toBe(true);
      for (const cpe of cpes) {
        // Red Hat's OSV export names a product `Red Hat:` and the CPE after the vendor.
        const osv = `Red Hat:${cpe.replace(/^cpe:\/[aho]:redhat:/, '')}`;
        expect(readOsvEcosystem(osv)?.ecosystem, osv).toBe(redHatEcosystem(cpe));
      }
    });
  },
);

describe.skipIf(!HAVE_SHARED)(`osvImporter on the real records in fixtures/vuln${SKIPPED}`, () => {
  it('imports every loose AlmaLinux, Rocky and Debian record without a problem', () => {
    const files = ['osv-almalinux', 'osv-rocky', 'osv-debian'].flatMap((dir) =>
      readdirSync(resolve(VULN, dir))
        .filter((name) => name.endsWith('.json'))
        .map((name) => [dir, name] as const),
    );
    expect(files.length).toBe(13);
    for (const [dir, name] of files) importFile(dir, name);
  });

  it('reads ALSA-2024:0001 (thunderbird, AlmaLinux 9) as published', () => {
    const record = importFile('osv-almalinux', 'almalinux9__ALSA-2024:0001.json');
    expect(record).toMatchObject({ id: 'ALSA-2024:0001', source: 'osv', severity: 'Important' });
    expect(record.summary).toBe('Important: thunderbird security update');
    expect(record.published).toBe('2024-01-02T00:00:00Z');
    expect(record.modified).toBe('2024-01-03T17:21:11Z');
    // The 11 CVEs of `related`, sorted.
    expect(record.aliases).toHaveLength(11);
    expect(record.aliases[0]).toBe('CVE-2023-50761');
    expect(record.aliases).toContain('CVE-2023-6864');
    expect(record.references).toContain('https://access.redhat.com/errata/RHSA-2024:0001');
    expect(record.affected).toEqual([
      {
        ecosystem: 'AlmaLinux:9',
        scheme: 'rpm',
        package: 'thunderbird',
        nameKind: 'binary',
        status: 'fixed',
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '115.6.0-1.el9_3.alma' }] }],
        fixedVersion: '115.6.0-1.el9_3.alma',
        fixAvailableSince: '2024-01-02T00:00:00Z',
      },
    ]);
  });

  it('keeps every binary rpm of an AlmaLinux kernel-rt erratum', () => {
    const record = importFile('osv-almalinux', 'almalinux8__ALSA-2026:A007.json');
    expect(record.aliases).toEqual(['CVE-2026-43284']);
    expect(record.affected).toHaveLength(15);
    const core = record.affected.find((affected) => affected.package === 'kernel-rt-debug-core');
    expect(core).toMatchObject({ ecosystem: 'AlmaLinux:8', fixedVersion: '4.18.0-553.123.2.rt7.464.el8_10' });
    expect(core?.module).toBeUndefined();
  });

  it('reads a Rocky record: source names, an explicit epoch, CVSS severity', () => {
    const record = importFile('osv-rocky', 'RLSA-2021_3891.json');
    expect(record.id).toBe('RLSA-2021:3891');
    expect(record.severity).toBe('CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:N/A:N');
    expect(record.aliases).toHaveLength(10);
    expect(record.affected).toMatchObject([
      {
        ecosystem: 'Rocky Linux:8',
        package: 'java-11-openjdk',
        nameKind: 'source',
        fixedVersion: '1:11.0.13.0.8-1.el8_4',
        fixAvailableSince: '2021-10-20T12:41:00Z',
      },
    ]);
  });

  it('puts the module stream from the title of a modular Rocky erratum on each package', () => {
    const record = importFile('osv-rocky', 'RLSA-2024_3671.json');
    expect(record.affected.map((affected) => [affected.package, affected.module])).toEqual([
      ['ruby', 'ruby:3.3'],
      ['rubygem-mysql2', 'ruby:3.3'],
      ['rubygem-pg', 'ruby:3.3'],
    ]);
    expect(record.affected[0]?.fixedVersion).toBe('0:3.3.1-2.module+el9.4.0+20787+4c237fd3');
  });

  it('reads the Debian DSA with its codename as the stream, and the DLA with no package', () => {
    const dsa = importFile('osv-debian', 'DSA-3029-1.json');
    expect(dsa.aliases).toEqual(['CVE-2014-3616']);
    expect(dsa.affected).toMatchObject([
      {
        ecosystem: 'Debian:7',
        stream: 'wheezy',
        scheme: 'deb',
        package: 'nginx',
        nameKind: 'source',
        fixedVersion: '1.2.1-2.2+wheezy3',
        fixAvailableSince: '2014-09-20T00:00:00Z',
      },
    ]);
    const dla = importFile('osv-debian', 'DLA-3623-1.json');
    expect(dla.affected).toEqual([]);
    expect(dla.aliases).toHaveLength(44);
    expect(dla.aliases).toContain('CVE-2023-4921');
  });

  describe('the whole AlmaLinux database (almalinux-osv-database.tar.gz)', () => {
    const results = new Map<string, ImportResult>();
    beforeAll(async () => {
      for (const { name, document } of await readTarball(
        resolve(VULN, 'osv-almalinux/almalinux-osv-database.tar.gz'),
      )) {
        expect(osvImporter.detect(document, name)).toBe(true);
        results.set(name, osvImporter.parse(document, name));
      }
    }, 60_000);

    it('imports all 5,680 records with no problem, per release as fixtures/README.md counts them', () => {
      expect(results.size).toBe(5680);
      expect([...results.values()].flatMap((result) => result.problems)).toEqual([]);
      // The tarball keeps each release's records in its own folder (advisories/almalinux8/...); a record may name
      // several releases (ALSA-2024:0265 names AlmaLinux:8 and AlmaLinux:9), so each is counted under its folder,
      // whose release it must name.
      const perRelease = new Map<string, number>();
      for (const [name, { records }] of results) {
        const release = /^advisories\/almalinux(\d+)\//.exec(name)?.[1];
        const ecosystem = `AlmaLinux:${release}`;
        expect(records[0]?.affected.map((affected) => affected.ecosystem)).toContain(ecosystem);
        perRelease.set(ecosystem, (perRelease.get(ecosystem) ?? 0) + 1);
      }
      expect(Object.fromEntries(perRelease)).toEqual({ 'AlmaLinux:8': 3237, 'AlmaLinux:9': 1783, 'AlmaLinux:10': 660 });
    });

    it('gives AlmaLinux modular packages the stream their erratum title names', () => {
      // `Moderate: ruby:3.3 security, bug fix, and enhancement update`; ruby's fix is 3.3.1-2.module_el9.4.0+102+68a93853.
      const ruby = results.get('advisories/almalinux9/ALSA-2024:3671.json')?.records[0];
      expect(ruby?.affected).toHaveLength(28);
      expect(new Set(ruby?.affected.map((affected) => affected.module))).toEqual(new Set(['ruby:3.3']));
      expect(ruby?.affected.find((affected) => affected.package === 'ruby')?.fixedVersion).toBe(
        '3.3.1-2.module_el9.4.0+102+68a93853',
      );
      // `python39:3.9 and python39-devel:3.9`: which of the two holds each of the 36 packages is not published, so
      // each package is listed once per stream, and a package installed from either stream matches.
      const python = results.get('advisories/almalinux8/ALSA-2021:4160.json')?.records[0];
      expect(python?.affected).toHaveLength(72);
      const cython = python?.affected.filter((affected) => affected.package === 'python39-Cython');
      expect(cython?.map((affected) => affected.module)).toEqual(['python39:3.9', 'python39-devel:3.9']);
      expect(cython?.[0]?.fixedVersion).toBe('0.29.21-5.module_el8.6.0+2780+a40f65e1');
    });
  });
});

describe('osvImporter on malformed records: a problem naming the input and the path, never a throw', () => {
  const valid = {
    id: 'ALSA-2024:0001',
    modified: '2024-01-03T17:21:11Z',
    published: '2024-01-02T00:00:00Z',
    affected: [
      {
        package: { ecosystem: 'AlmaLinux:9', name: 'thunderbird' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '115.6.0-1.el9_3.alma' }] }],
      },
    ],
  };
  function withRange(range: unknown): unknown {
    return { ...valid, affected: [{ ...valid.affected[0], ranges: [range] }] };
  }

  it('accepts the well-formed base case', () => {
    expect(osvImporter.parse(valid, 'base.json').problems).toEqual([]);
  });

  it.each([
    ['not an object', [1, 2], '/', /expected object/],
    ['no id', { ...valid, id: undefined }, '/id', /expected string/],
    ['modified is a number', { ...valid, modified: 1704300000 }, '/modified', /expected string/],
    ['modified is not a timestamp', { ...valid, modified: 'yesterday' }, '/modified', /datetime/],
    ['affected is an object', { ...valid, affected: { package: 'x' } }, '/affected', /expected array/],
    [
      'a package without a name',
      { ...valid, affected: [{ package: { ecosystem: 'AlmaLinux:9' } }] },
      '/affected/0/package/name',
      /expected string/,
    ],
    [
      'an unknown range type',
      withRange({ type: 'RPM', events: [{ introduced: '0' }] }),
      '/affected/0/ranges/0/type',
      /ECOSYSTEM/,
    ],
    [
      'an event with two kinds',
      withRange({ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1-1' }] }),
      '/affected/0/ranges/0/events/0',
      /exactly one/,
    ],
    [
      'a range without introduced',
      withRange({ type: 'ECOSYSTEM', events: [{ fixed: '1-1' }] }),
      '/affected/0/ranges/0/events',
      /introduced/,
    ],
    [
      'fixed and last_affected',
      withRange({ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1-1' }, { last_affected: '2-1' }] }),
      '/affected/0/ranges/0/events',
      /not both/,
    ],
    [
      'an rpm version rpm cannot read',
      withRange({ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2:' }] }),
      '/affected/0/ranges/0/events/1/fixed',
      /not a valid rpm version/,
    ],
    [
      'a Debian version dpkg rejects',
      {
        ...valid,
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'nginx' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.2 3' }] }],
          },
        ],
      },
      '/affected/0/ranges/0/events/0/introduced',
      /embedded spaces/,
    ],
    [
      'only a language ecosystem',
      { ...valid, affected: [{ package: { ecosystem: 'npm', name: 'left-pad' } }] },
      '/affected',
      /no package in an ecosystem scanned here \(npm\)/,
    ],
  ])('%s', (_, document, at, problem) => {
    const result = osvImporter.parse(document, 'all.zip!ALSA-2024:0001.json');
    expect(result.records).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ input: 'all.zip!ALSA-2024:0001.json', at });
    expect(result.problems[0]?.problem).toMatch(problem);
  });

  it('keeps a withdrawn record, and gives no fix date to a record about a vulnerability rather than an update', () => {
    const withdrawn = osvImporter.parse({ ...valid, withdrawn: '2024-02-01T00:00:00Z' }, 'w.json').records[0];
    expect(withdrawn?.withdrawn).toBe('2024-02-01T00:00:00Z');
    const cve = osvImporter.parse({ ...valid, id: 'DEBIAN-CVE-2024-0001' }, 'c.json').records[0];
    expect(cve?.affected[0]?.status).toBe('fixed');
    expect(cve?.affected[0]?.fixAvailableSince).toBeUndefined();
  });

  it('keeps `versions` the ordering cannot read: they are matched by exact string', () => {
    const document = {
      ...valid,
      affected: [{ package: { ecosystem: 'Debian:12', name: 'nginx' }, versions: ['upstream-tag v1.2', '1.2-1'] }],
    };
    const { records, problems } = osvImporter.parse(document, 'v.json');
    expect(problems).toEqual([]);
    expect(records[0]?.affected[0]).toMatchObject({ status: 'affected', versions: ['upstream-tag v1.2', '1.2-1'] });
  });

  it('says affected, with no fixed version, when no fixed event exists', () => {
    const document = withRange({
      type: 'ECOSYSTEM',
      events: [{ introduced: '0' }, { last_affected: '115.5.0-1.el9' }],
    });
    const affected = osvImporter.parse(document, 'a.json').records[0]?.affected[0];
    expect(affected).toMatchObject({ status: 'affected' });
    expect(affected?.fixedVersion).toBeUndefined();
    expect(affected?.fixAvailableSince).toBeUndefined();
  });

  it("reads Ubuntu's own record of USN-6429-1: the jammy fix, its CVEs through Ubuntu's CVE records", () => {
    // test/fixtures/osv-ubuntu/USN-6429-1.json, as canonical/ubuntu-security-notices publishes it (README beside it).
    const usn: unknown = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../../test/fixtures/osv-ubuntu/USN-6429-1.json'), 'utf8'),
    );
    expect(osvImporter.detect(usn, 'USN-6429-1.json')).toBe(true);
    const { records, problems } = osvImporter.parse(usn, 'USN-6429-1.json');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({
      id: 'USN-6429-1',
      aliases: ['CVE-2023-38545', 'CVE-2023-38546', 'UBUNTU-CVE-2023-38545', 'UBUNTU-CVE-2023-38546'],
      published: '2023-10-11T11:34:51Z',
    });
    expect(
      records[0]?.affected.map((entry) => [
        entry.ecosystem,
        entry.stream,
        entry.package,
        entry.nameKind,
        entry.fixedVersion,
      ]),
    ).toEqual([
      ['Ubuntu:20.04', 'Ubuntu:20.04:LTS', 'curl', 'source', '7.68.0-1ubuntu2.20'],
      ['Ubuntu:22.04', 'Ubuntu:22.04:LTS', 'curl', 'source', '7.81.0-1ubuntu1.14'],
    ]);
  });

  it('reads hand-made Ubuntu and SUSE records written as the schema describes them', () => {
    // Shapes from the OSV schema's ecosystem table; not real records (no SUSE OSV record could be obtained here).
    const usn = {
      id: 'USN-6781-1',
      modified: '2024-05-20T10:00:00Z',
      published: '2024-05-16T12:00:00Z',
      upstream: ['CVE-2024-1234'],
      severity: [{ type: 'Ubuntu', score: 'medium' }],
      affected: [
        {
          package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'curl' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '7.81.0-1ubuntu1.16' }] }],
          versions: ['7.81.0-1ubuntu1.15'],
        },
      ],
    };
    const record = osvImporter.parse(usn, 'usn.json').records[0];
    expect(record).toMatchObject({ severity: 'medium', aliases: ['CVE-2024-1234'] });
    expect(record?.affected[0]).toMatchObject({
      ecosystem: 'Ubuntu:22.04',
      stream: 'Ubuntu:22.04:LTS',
      scheme: 'deb',
      nameKind: 'source',
      versions: ['7.81.0-1ubuntu1.15'],
      fixedVersion: '7.81.0-1ubuntu1.16',
      fixAvailableSince: '2024-05-16T12:00:00Z',
    });
    const suse = {
      id: 'SUSE-SU-2024:0001-1',
      modified: '2024-01-02T00:00:00Z',
      affected: [
        {
          package: { ecosystem: 'SUSE:Linux Enterprise Server 15 SP5', name: 'openssl-3' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.8-150500.5.20.1' }] }],
          ecosystem_specific: { binaries: [{ libopenssl3: '3.0.8-150500.5.20.1' }] },
        },
      ],
    };
    expect(osvImporter.parse(suse, 'suse.json').records[0]?.affected[0]).toMatchObject({
      ecosystem: 'SUSE:15.5',
      package: 'openssl-3',
      fixedVersion: '3.0.8-150500.5.20.1',
    });
  });

  it('detects OSV records only', () => {
    expect(osvImporter.detect(valid, 'x.json')).toBe(true);
    expect(osvImporter.detect({ document: { csaf_version: '2.0' }, id: 'x', modified: 'y' }, 'x.json')).toBe(false);
    expect(osvImporter.detect({ alias: 'FEDORA-2023-1', builds: [] }, 'x.json')).toBe(false);
    expect(osvImporter.detect({ distroversion: 'v3.11', packages: [] }, 'x.json')).toBe(false);
    expect(osvImporter.detect({ curl: { 'CVE-2023-38545': { releases: {} } } }, 'x.json')).toBe(false);
    expect(osvImporter.detect(null, 'x.json')).toBe(false);
  });
});
