import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdvisoryRecord } from '../advisory.js';
import { fedoraBodhiImporter } from './fedora-bodhi.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const BODHI = resolve(SHARED, 'fixtures/vuln/fedora-bodhi');

interface BodhiFixture {
  bugs: Array<{ title: string }>;
}

function importFixture(name: string): AdvisoryRecord {
  const document: unknown = JSON.parse(readFileSync(resolve(BODHI, name), 'utf8'));
  expect(fedoraBodhiImporter.detect(document, name)).toBe(true);
  const { records, problems } = fedoraBodhiImporter.parse(document, name);
  expect(problems).toEqual([]);
  expect(records).toHaveLength(1);
  return records[0] as AdvisoryRecord;
}

describe.skipIf(!HAVE_SHARED)(`fedoraBodhiImporter on the real updates in fixtures/vuln/fedora-bodhi${SKIPPED}`, () => {
  const names = HAVE_SHARED ? readdirSync(BODHI).filter((name) => name.endsWith('.json')) : [];

  it('imports all six, naming builds as the bug titles name the package', () => {
    expect(names).toHaveLength(6);
    for (const name of names) {
      const record = importFixture(name);
      expect(record.id).toBe(name.replace(/\.json$/, ''));
      // Red Hat's security bugs are titled `CVE-… <source package>: …`: an oracle for where the NVR's name ends.
      const fixture = JSON.parse(readFileSync(resolve(BODHI, name), 'utf8')) as BodhiFixture;
      const titled = new Set(fixture.bugs.map((bug) => /^CVE-\S+ ([^:\s]+):/.exec(bug.title)?.[1]));
      const packages = record.affected.map((affected) => affected.package);
      for (const title of titled) expect(packages).toContain(title);
    }
  });

  it('reads FEDORA-2014-15583 (drupal7, Fedora 21): CVEs from the bug titles, the stable date in UTC', () => {
    const record = importFixture('FEDORA-2014-15583.json');
    expect(record).toMatchObject({ source: 'fedora-bodhi', summary: 'Drupal 7.34 security update' });
    expect(record.severity).toBeUndefined(); // `unspecified`
    expect(record.aliases).toEqual(['CVE-2012-6662', 'CVE-2014-9015', 'CVE-2014-9016']);
    expect(record.published).toBe('2014-12-06T10:05:03Z');
    expect(record.modified).toBe('2014-11-22T16:15:51Z');
    expect(record.affected).toEqual([
      {
        ecosystem: 'Fedora:21',
        scheme: 'rpm',
        package: 'drupal7',
        nameKind: 'source',
        status: 'fixed',
        fixedVersion: '7.34-1.fc21',
        fixAvailableSince: '2014-12-06T10:05:03Z',
      },
    ]);
    expect(record.references).toContain('https://bugzilla.redhat.com/show_bug.cgi?id=1166101');
  });

  it('splits dokuwiki-0-0.24.20140929c.fc21 at its last two hyphens', () => {
    expect(importFixture('FEDORA-2015-3186.json').affected[0]).toMatchObject({
      package: 'dokuwiki',
      fixedVersion: '0-0.24.20140929c.fc21',
    });
  });

  it('reads the httpd update of Fedora 36 with its severity and its own date', () => {
    const record = importFixture('FEDORA-2023-6d4055d482.json');
    expect(record.severity).toBe('medium');
    expect(record.affected[0]).toMatchObject({
      ecosystem: 'Fedora:36',
      package: 'httpd',
      fixedVersion: '2.4.55-1.fc36',
      fixAvailableSince: '2023-02-03T01:39:02Z',
    });
  });

  it('puts EPEL updates in their own ecosystem, one entry per build', () => {
    const mingw = importFixture('FEDORA-EPEL-2014-4901.json');
    expect(mingw.affected).toMatchObject([
      { ecosystem: 'Fedora EPEL:7', package: 'mingw-binutils', fixedVersion: '2.25-1.el7' },
    ]);
    const cross = importFixture('FEDORA-EPEL-2017-a8886eb42e.json');
    expect(cross.aliases).toEqual(['CVE-2014-8501', 'CVE-2014-8502', 'CVE-2014-8503', 'CVE-2014-8504']);
    expect(cross.affected.map((affected) => [affected.package, affected.fixedVersion])).toEqual([
      ['cross-binutils', '2.27-9.el7.1'],
      ['cross-gcc', '4.8.5-16.el7.1'],
    ]);
  });
});

describe('fedoraBodhiImporter on hand-made updates', () => {
  const update = {
    alias: 'FEDORA-2023-f6ff3f85eb',
    type: 'security',
    status: 'stable',
    severity: 'medium',
    date_stable: '2023-01-28 01:24:53',
    date_pushed: '2023-01-28 01:24:53',
    release: { name: 'F37', version: '37', id_prefix: 'FEDORA' },
    bugs: [{ bug_id: 2162094, security: true, title: 'CVE-2022-37436 httpd: mod_proxy: HTTP response splitting' }],
    builds: [{ nvr: 'httpd-2.4.55-1.fc37', type: 'rpm', epoch: 0 }],
  };

  it('writes a non-zero epoch into the fixed version', () => {
    const document = { ...update, builds: [{ nvr: 'perl-5.36.0-497.fc37', type: 'rpm', epoch: 4 }] };
    expect(fedoraBodhiImporter.parse(document, 'u.json').records[0]?.affected[0]?.fixedVersion).toBe(
      '4:5.36.0-497.fc37',
    );
  });

  it('skips updates that shipped nothing or are no advisory, without a problem', () => {
    for (const document of [
      { ...update, status: 'testing' },
      { ...update, status: 'obsolete' },
      { ...update, type: 'bugfix', bugs: [{ bug_id: 1, title: 'httpd crashes on start' }] },
      { ...update, release: { name: 'F37F', version: '37', id_prefix: 'FEDORA-FLATPAK' } },
    ]) {
      expect(fedoraBodhiImporter.parse(document, 'u.json')).toEqual({ records: [], problems: [] });
    }
    // A bug fix update that closes a CVE's bug is an advisory all the same.
    expect(fedoraBodhiImporter.parse({ ...update, type: 'bugfix' }, 'u.json').records).toHaveLength(1);
  });

  it('reads a page of the updates list, with the path of a broken update', () => {
    const page = { updates: [update, { ...update, builds: 'httpd' }], page: 1, pages: 1, total: 2 };
    expect(fedoraBodhiImporter.detect(page, 'updates.json')).toBe(true);
    const { records, problems } = fedoraBodhiImporter.parse(page, 'updates.json');
    expect(records).toHaveLength(1);
    expect(problems).toMatchObject([{ input: 'updates.json', at: '/updates/1/builds' }]);
  });

  it.each([
    ['no alias', { ...update, alias: undefined }, '/alias', /expected string/],
    ['an alias that is none', { ...update, alias: 'RHSA-2023:0001' }, '/alias', /update id/],
    ['builds as a string', { ...update, builds: 'httpd-2.4.55-1.fc37' }, '/builds', /expected array/],
    [
      'an NVR without a release',
      { ...update, builds: [{ nvr: 'httpd-2.4.55', type: 'rpm' }] },
      '/builds/0/nvr',
      /not a name-version-release/,
    ],
    [
      'an epoch as a string',
      { ...update, builds: [{ nvr: 'httpd-2.4.55-1.fc37', epoch: '1' }] },
      '/builds/0/epoch',
      /expected number/,
    ],
    ['a time with a zone', { ...update, date_stable: '2023-01-28T01:24:53Z' }, '/date_stable', /Bodhi time/],
    [
      'an unknown release kind',
      { ...update, release: { version: '37', id_prefix: 'FEDORA-ELN' } },
      '/release/id_prefix',
      /unknown Bodhi release kind FEDORA-ELN/,
    ],
    ['bugs as an object', { ...update, bugs: { 1: 'x' } }, '/bugs', /expected array/],
  ])('%s is a problem naming the input and the path', (_, document, at, problem) => {
    const { records, problems } = fedoraBodhiImporter.parse(document, 'FEDORA-2023-f6ff3f85eb.json');
    expect(records).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ input: 'FEDORA-2023-f6ff3f85eb.json', at });
    expect(problems[0]?.problem).toMatch(problem);
  });

  it('detects Bodhi updates only', () => {
    expect(fedoraBodhiImporter.detect(update, 'u.json')).toBe(true);
    expect(fedoraBodhiImporter.detect({ id: 'ALSA-2024:0001', modified: 'x', affected: [] }, 'x.json')).toBe(false);
    expect(fedoraBodhiImporter.detect({ distroversion: 'v3.11', packages: [] }, 'x.json')).toBe(false);
    expect(fedoraBodhiImporter.detect({ httpd: { 'CVE-2022-37436': { releases: {} } } }, 'x.json')).toBe(false);
  });
});
