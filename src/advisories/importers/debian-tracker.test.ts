import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdvisoryRecord } from '../advisory.js';
import { parseDebianAdvisoryList } from './debian-dsa-list.js';
import { createDebianTrackerImporter, debianTrackerImporter } from './debian-tracker.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const VULN = resolve(SHARED, 'fixtures/vuln');
const TRACKER = 'debian-tracker/vunnel-debian-tracker-subset.json';
const DSA_LIST = 'debian-tracker/vunnel-DSA-list.txt';

function fixture(path: string): string {
  return readFileSync(resolve(VULN, path), 'utf8');
}

function byId(records: AdvisoryRecord[], id: string): AdvisoryRecord {
  const record = records.find((candidate) => candidate.id === id);
  if (record === undefined) throw new Error(`no record ${id}`);
  return record;
}

function entries(record: AdvisoryRecord): Record<string, [string, string | undefined]> {
  return Object.fromEntries(
    record.affected.map((affected) => [affected.ecosystem, [affected.status, affected.fixedVersion]]),
  );
}

describe.skipIf(!HAVE_SHARED)(`the Debian tracker subset and DSA list in fixtures/vuln${SKIPPED}`, () => {
  it('reads every issue of the tracker subset, one record per CVE, without a problem', () => {
    const document = JSON.parse(fixture(TRACKER));
    expect(debianTrackerImporter.detect(document, 'json')).toBe(true);
    const { records, problems } = debianTrackerImporter.parse(document, TRACKER);
    expect(problems).toEqual([]);
    // `jq '[to_entries[] | .value | keys[]] | length'` on the file: 7.
    expect(records).toHaveLength(7);

    const prototype = byId(records, 'CVE-2008-7220');
    expect(prototype).toMatchObject({ source: 'debian-tracker', severity: 'high**' });
    expect(prototype.references).toEqual([
      'https://security-tracker.debian.org/tracker/CVE-2008-7220',
      'https://bugs.debian.org/555217',
    ]);
    expect(entries(prototype)).toEqual({
      'Debian:9': ['fixed', '1.6.0.2-1'],
      'Debian:8': ['fixed', '1.6.0.2-1'],
      'Debian:10': ['fixed', '1.6.0.2-1'],
      'Debian:unstable': ['fixed', '1.6.0.2-1'],
    });
    expect(prototype.affected[0]).toMatchObject({
      stream: 'stretch',
      package: 'prototypejs',
      nameKind: 'source',
      scheme: 'deb',
    });
    // No date without the DSA list: the database records the first sync that saw the fix.
    expect(prototype.affected.every((affected) => affected.fixAvailableSince === undefined)).toBe(true);

    // fixed_version `0`: not affected in any release.
    expect(Object.values(entries(byId(records, 'CVE-2007-2383')))).toEqual(Array(4).fill(['not-affected', undefined]));
    // Open with urgency end-of-life in buster and stretch: security support ended there.
    expect(entries(byId(records, 'CVE-2022-0456'))).toEqual({
      'Debian:12': ['fixed', '98.0.4758.80-1'],
      'Debian:11': ['fixed', '98.0.4758.80-1~deb11u1'],
      'Debian:10': ['out-of-support', undefined],
      'Debian:unstable': ['fixed', '98.0.4758.80-1'],
      'Debian:9': ['out-of-support', undefined],
    });
    // `"releases": []`: an issue the tracker knows with no release entry.
    expect(byId(records, 'CVE-2022-0358').affected).toEqual([]);
  });

  it('reads the DSA list: dates, issues and fixed versions', () => {
    const { advisories, problems } = parseDebianAdvisoryList(fixture(DSA_LIST), DSA_LIST);
    expect(problems).toEqual([]);
    expect(advisories.map((advisory) => advisory.id)).toEqual([
      'DSA-141',
      'DSA-140',
      'DSA-139',
      'DSA-138',
      'DSA-2819-1',
      'DSA-2808-2',
      'DSA-3281-1',
      'DSA-4205-1',
      'DSA-4323-1',
      'DSA-5970-1',
    ]);
    expect(advisories[1]).toEqual({
      id: 'DSA-140',
      date: '2002-08-05T00:00:00Z',
      package: 'libpng',
      cves: ['CVE-2002-0660', 'CVE-2002-0728'],
      fixes: [
        { release: 'woody', package: 'libpng', version: '1.0.12-3.woody.2' },
        { release: 'woody', package: 'libpng3', version: '1.2.1-1.1.woody.2' },
      ],
    });
    expect(advisories[6]).toMatchObject({ id: 'DSA-3281-1', cves: [], fixes: [] });
    expect(advisories[6]?.package).toBeUndefined();
  });

  it('dates the bookworm fix of CVE-2025-53603 by DSA-5970-1, and no other', () => {
    const { advisories } = parseDebianAdvisoryList(fixture(DSA_LIST), DSA_LIST);
    const importer = createDebianTrackerImporter(advisories);
    const { records, problems } = importer.parse(JSON.parse(fixture(TRACKER)), TRACKER);
    expect(problems).toEqual([]);
    const sope = byId(records, 'CVE-2025-53603');
    expect(sope.aliases).toEqual(['DSA-5970-1']);
    const bookworm = sope.affected.find((affected) => affected.stream === 'bookworm');
    expect(bookworm).toMatchObject({
      ecosystem: 'Debian:12',
      fixedVersion: '5.8.0-1+deb12u1',
      fixAdvisory: 'DSA-5970-1',
      fixAvailableSince: '2025-07-31T00:00:00Z',
    });
    // bullseye's 5.0.1-2+deb11u1 came from a DLA, which this list does not hold.
    const bullseye = sope.affected.find((affected) => affected.stream === 'bullseye');
    expect(bullseye?.fixAdvisory).toBeUndefined();
    expect(bullseye?.fixAvailableSince).toBeUndefined();
    expect(sope.affected.find((affected) => affected.stream === 'trixie')?.ecosystem).toBe('Debian:13');
  });
});

describe('the Debian tracker importer on hand-made entries', () => {
  function release(fields: Record<string, unknown>): unknown {
    return { bash: { 'CVE-2026-2000': { description: 'a flaw', releases: { trixie: fields } } } };
  }
  function statusOf(fields: Record<string, unknown>): string | undefined {
    const { records, problems } = debianTrackerImporter.parse(release(fields), 'json');
    expect(problems).toEqual([]);
    return records[0]?.affected[0]?.status;
  }

  it.each([
    [{ status: 'open', urgency: 'unimportant' }, 'will-not-fix'],
    [{ status: 'open', urgency: 'not yet assigned', nodsa: 'Minor issue', nodsa_reason: 'ignored' }, 'will-not-fix'],
    [{ status: 'open', urgency: 'not yet assigned', nodsa: 'Minor issue', nodsa_reason: '' }, 'will-not-fix'],
    [{ status: 'open', urgency: 'not yet assigned', nodsa: 'Minor issue', nodsa_reason: 'postponed' }, 'affected'],
    [{ status: 'open', urgency: 'not yet assigned', nodsa: '', nodsa_reason: '' }, 'affected'],
    [{ status: 'open', urgency: 'end-of-life' }, 'out-of-support'],
    [{ status: 'undetermined', urgency: 'not yet assigned' }, 'affected'],
    [{ status: 'resolved', fixed_version: '0', urgency: 'unimportant' }, 'not-affected'],
    [{ status: 'resolved', fixed_version: '5.2.37-2', urgency: 'unimportant' }, 'fixed'],
  ])('%j → %s', (fields, status) => {
    expect(statusOf(fields)).toBe(status);
  });

  it.each([
    [
      'an unknown release',
      { bash: { 'CVE-2026-2000': { releases: { hamlet: { status: 'open' } } } } },
      '/bash/CVE-2026-2000/releases/hamlet',
      /unknown Debian release hamlet/,
    ],
    [
      'an unknown status',
      release({ status: 'pending' }),
      '/bash/CVE-2026-2000/releases/trixie',
      /unknown status pending/,
    ],
    [
      'resolved with no version',
      release({ status: 'resolved' }),
      '/bash/CVE-2026-2000/releases/trixie',
      /without a fixed_version/,
    ],
    [
      'a version dpkg rejects',
      release({ status: 'resolved', fixed_version: 'a:1' }),
      '/bash/CVE-2026-2000/releases/trixie',
      /not a valid deb version/,
    ],
    [
      'status of the wrong type',
      release({ status: 3 }),
      '/bash/CVE-2026-2000/releases/trixie/status',
      /expected string/,
    ],
    [
      'releases as a string',
      { bash: { 'CVE-2026-2000': { releases: 'trixie' } } },
      '/bash/CVE-2026-2000/releases',
      /./,
    ],
    ['an issue that is not an object', { bash: { 'CVE-2026-2000': 'open' } }, '/bash/CVE-2026-2000', /expected object/],
    ['a package that is not an object', { bash: ['CVE-2026-2000'] }, '/bash', /expected an object of issues/],
    ['a key that is no issue id', { bash: { 'not-a-cve': { releases: {} } } }, '/bash/not-a-cve', /not a CVE/],
  ])('%s is a problem naming the input and the path', (_, document, at, problem) => {
    const { records, problems } = debianTrackerImporter.parse(document, 'tracker.json');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ input: 'tracker.json', at });
    expect(problems[0]?.problem).toMatch(problem);
    // The rest of the issue is kept; a release entry that could not be read is not.
    expect(records.flatMap((record) => record.affected)).toEqual([]);
  });

  it('keeps the readable entries of a document beside a broken one', () => {
    const document = {
      bash: { 'CVE-2026-2000': { releases: { trixie: { status: 'open' }, hamlet: { status: 'open' } } } },
      zsh: { 'CVE-2026-2000': { releases: { bookworm: { status: 'resolved', fixed_version: '5.9-4+deb12u1' } } } },
    };
    const { records, problems } = debianTrackerImporter.parse(document, 'tracker.json');
    expect(problems).toHaveLength(1);
    expect(records).toHaveLength(1);
    expect(records[0]?.affected.map((affected) => [affected.package, affected.ecosystem, affected.status])).toEqual([
      ['bash', 'Debian:13', 'affected'],
      ['zsh', 'Debian:12', 'fixed'],
    ]);
  });

  it('reads a DLA list in the same format', () => {
    // A hand-made entry in data/DLA/list's format (the date is DLA-3623-1's `published` in fixtures/vuln/osv-debian).
    const text = '[14 Aug 2023] DLA-3623-1 linux-5.10 - security update\n\t[buster] - linux-5.10 5.10.191-1~deb10u1\n';
    const { advisories, problems } = parseDebianAdvisoryList(text, 'DLA/list');
    expect(problems).toEqual([]);
    expect(advisories).toEqual([
      {
        id: 'DLA-3623-1',
        date: '2023-08-14T00:00:00Z',
        package: 'linux-5.10',
        cves: [],
        fixes: [{ release: 'buster', package: 'linux-5.10', version: '5.10.191-1~deb10u1' }],
      },
    ]);
  });

  it('reports DSA list lines it cannot read, and reads the others', () => {
    const text =
      '[31 Feb 2025] DSA-1-1 x - y\n[01 Aug 2002] DSA-141 mpack - buffer overflow\n\t{CVE-2002-1425\n\tgarbage\n';
    const { advisories, problems } = parseDebianAdvisoryList(text, 'list');
    expect(advisories.map((advisory) => advisory.id)).toEqual(['DSA-141']);
    expect(problems).toEqual([
      { input: 'list', at: 'line 1', problem: 'not an advisory header: [31 Feb 2025] DSA-1-1 x - y' },
      { input: 'list', at: 'line 3', problem: 'unclosed issue list: {CVE-2002-1425' },
      { input: 'list', at: 'line 4', problem: 'unknown detail line: garbage' },
    ]);
  });

  it('detects the tracker only', () => {
    expect(debianTrackerImporter.detect({ bash: { 'CVE-2026-2000': { releases: {} } } }, 'json')).toBe(true);
    expect(debianTrackerImporter.detect({ id: 'DSA-1-1', modified: '2024-01-01T00:00:00Z' }, 'x.json')).toBe(false);
    expect(debianTrackerImporter.detect({ distroversion: 'v3.11', packages: [] }, 'x.yaml')).toBe(false);
    expect(debianTrackerImporter.detect({ alias: 'FEDORA-2023-1', builds: [] }, 'x.json')).toBe(false);
    expect(debianTrackerImporter.detect({ document: { csaf_version: '2.0' } }, 'x.json')).toBe(false);
  });
});
