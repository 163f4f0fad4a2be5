import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { AdvisoryRecord } from '../advisory.js';
import { alpineSecdbImporter } from './alpine-secdb.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const SECDB = resolve(SHARED, 'fixtures/vuln/alpine-secdb/alpine-secdb-v3.11-main.yaml');
const INPUT = 'alpine-secdb-v3.11-main.yaml';

/** The record of one issue: its id is the issue scoped by the document (`ALPINE-v3.11-main:CVE-…`). */
function byId(records: AdvisoryRecord[], issue: string): AdvisoryRecord {
  const record = records.find((candidate) => candidate.id.endsWith(`:${issue}`));
  if (record === undefined) throw new Error(`no record ${issue}`);
  return record;
}

describe.skipIf(!HAVE_SHARED)(`alpineSecdbImporter on the real v3.11 main secdb${SKIPPED}`, () => {
  const text = HAVE_SHARED ? readFileSync(SECDB, 'utf8') : '';
  const document: unknown = HAVE_SHARED ? parseYaml(text) : undefined;
  const result = HAVE_SHARED ? alpineSecdbImporter.parse(document, INPUT) : { records: [], problems: [] };

  it('is detected, and reports exactly the three fixed versions apk cannot read', () => {
    expect(alpineSecdbImporter.detect(document, INPUT)).toBe(true);
    // opensmtpd lists `6.6.2p1-r0` (for 6.6.2_p1-r0; apk-tools' own vector `!0.1a1` says a digit cannot follow a
    // letter), python2 `2.7.16-33` and xen `4.10-1-r1` (typos for -r3 and .1-r1). apk would still order them, by its
    // fallback for invalid versions, and put 6.6.2_p1-r0 below 6.6.2p1-r0: a false "fix available". They are skipped.
    expect(result.problems).toEqual([
      {
        input: INPUT,
        at: expect.stringMatching(/^\/packages\/\d+\/pkg\/secfixes\/6\.6\.2p1-r0$/),
        problem: 'opensmtpd: not a valid apk version: 6.6.2p1-r0',
      },
      {
        input: INPUT,
        at: expect.stringMatching(/^\/packages\/\d+\/pkg\/secfixes\/2\.7\.16-33$/),
        problem: 'python2: not a valid apk version: 2.7.16-33',
      },
      {
        input: INPUT,
        at: expect.stringMatching(/^\/packages\/\d+\/pkg\/secfixes\/4\.10-1-r1$/),
        problem: 'xen: not a valid apk version: 4.10-1-r1',
      },
    ]);
  });

  it('keeps every issue id of the file, as a record or an alias, but those only under the unreadable versions', () => {
    // Every CVE, XSA and TALOS id of the file; rsync's `CVE-2017-17434-1` and `-2` name parts of CVE-2017-17434.
    const inFile = new Set(text.match(/\b(?:CVE-\d{4}-\d+|XSA-\d+|TALOS-\d{4}-\d+)\b/g));
    // Read from the file: these appear nowhere else than under opensmtpd's 6.6.2p1-r0 and xen's 4.10-1-r1.
    for (const id of [
      'CVE-2020-7247',
      'CVE-2018-8897',
      'CVE-2018-10982',
      'CVE-2018-10981',
      'XSA-260',
      'XSA-261',
      'XSA-262',
    ]) {
      inFile.delete(id);
    }
    const imported = new Set(result.records.flatMap((record) => record.aliases));
    expect(imported).toEqual(inFile);
  });

  it('reads ansible fixes, scoped to Alpine v3.11 main by origin name', () => {
    const record = byId(result.records, 'CVE-2019-14904');
    expect(record).toMatchObject({ id: 'ALPINE-v3.11-main:CVE-2019-14904', aliases: ['CVE-2019-14904'] });
    expect(record.affected).toEqual([
      {
        ecosystem: 'Alpine:v3.11',
        scheme: 'apk',
        package: 'ansible',
        nameKind: 'source',
        status: 'fixed',
        fixedVersion: '2.9.3-r0',
      },
    ]);
    expect(byId(result.records, 'CVE-2018-10875').affected[0]?.fixedVersion).toBe('2.6.3-r0');
    expect(byId(result.records, 'CVE-2019-14904').references).toEqual([
      'https://security.alpinelinux.org/vuln/CVE-2019-14904',
    ]);
  });

  it('makes an XSA on the same line an alias, and an XSA alone its own record', () => {
    const cve = byId(result.records, 'CVE-2018-10472');
    expect(cve.aliases).toEqual(['CVE-2018-10472', 'XSA-258']);
    expect(cve.affected).toMatchObject([{ package: 'xen', fixedVersion: '4.10.1-r0' }]);
    expect(byId(result.records, 'XSA-254')).toMatchObject({ id: 'ALPINE-v3.11-main:XSA-254', aliases: ['XSA-254'] });
    expect(byId(result.records, 'XSA-254').affected[0]?.package).toBe('xen');
  });

  it("reads the two parts of rsync's CVE-2017-17434 as that CVE, and a TALOS id beside a CVE as its alias", () => {
    expect(byId(result.records, 'CVE-2017-17434').affected).toMatchObject([
      { package: 'rsync', fixedVersion: '3.1.2-r7' },
    ]);
    expect(byId(result.records, 'CVE-2017-12122').aliases).toEqual(['CVE-2017-12122', 'TALOS-2017-0488']);
  });

  it('keeps one CVE fixed in python3 even though python2 lists it under an unreadable version', () => {
    expect(byId(result.records, 'CVE-2019-16056').affected.map((affected) => affected.package)).toEqual(['python3']);
  });
});

describe('alpineSecdbImporter on hand-made documents', () => {
  function secdb(secfixes: unknown, name = 'busybox'): unknown {
    return { distroversion: 'v3.21', reponame: 'main', packages: [{ pkg: { name, secfixes } }] };
  }

  it('reads the `0` key as never affected, and the higher of two fixes of one issue', () => {
    const { records, problems } = alpineSecdbImporter.parse(
      secdb({ '0': ['CVE-2021-0001'], '1.36.1-r2': ['CVE-2021-0002'], '1.36.1-r5': ['CVE-2021-0002'] }),
      's.json',
    );
    expect(problems).toEqual([]);
    expect(byId(records, 'CVE-2021-0001').affected).toEqual([
      { ecosystem: 'Alpine:v3.21', scheme: 'apk', package: 'busybox', nameKind: 'source', status: 'not-affected' },
    ]);
    expect(byId(records, 'CVE-2021-0002').affected).toMatchObject([{ status: 'fixed', fixedVersion: '1.36.1-r5' }]);
  });

  it('gathers one issue fixed in several packages into one record', () => {
    const document = {
      distroversion: 'edge',
      reponame: 'community',
      packages: [
        { pkg: { name: 'openssl', secfixes: { '3.3.2-r0': ['CVE-2024-6119'] } } },
        { pkg: { name: 'openssl3', secfixes: { '3.1.7-r0': ['CVE-2024-6119'] } } },
      ],
    };
    const { records } = alpineSecdbImporter.parse(document, 's.json');
    expect(records).toHaveLength(1);
    expect(records[0]?.id).toBe('ALPINE-edge-community:CVE-2024-6119');
    expect(records[0]?.affected.map((affected) => [affected.ecosystem, affected.package])).toEqual([
      ['Alpine:edge', 'openssl'],
      ['Alpine:edge', 'openssl3'],
    ]);
  });

  it.each([
    ['no packages', { distroversion: 'v3.21', reponame: 'main' }, '/packages', /expected array/],
    ['no repository', { distroversion: 'v3.21', packages: [] }, '/reponame', /expected string/],
    [
      'a branch that is not one',
      { distroversion: '3.21', reponame: 'main', packages: [] },
      '/distroversion',
      /v3\.11 or edge/,
    ],
    [
      'a package without a name',
      { distroversion: 'v3.21', reponame: 'main', packages: [{ pkg: { secfixes: {} } }] },
      '/packages/0/pkg/name',
      /expected string/,
    ],
    ['secfixes as a list', secdb(['CVE-2021-0001']), '/packages/0/pkg/secfixes', /expected record/],
    ['an id that is a number', secdb({ '1.0-r0': [2021] }), '/packages/0/pkg/secfixes/1.0-r0/0', /expected string/],
    ['a line with no id', secdb({ '1.0-r0': ['fixed upstream'] }), '/packages/0/pkg/secfixes/1.0-r0/0', /no issue id/],
    [
      'a version apk rejects',
      secdb({ '1.0-r0-r1': ['CVE-2021-0001'] }),
      '/packages/0/pkg/secfixes/1.0-r0-r1',
      /not a valid apk version/,
    ],
  ])('%s is a problem naming the input and the path', (_, document, at, problem) => {
    const { records, problems } = alpineSecdbImporter.parse(document, 'v3.21/main.json');
    expect(records).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ input: 'v3.21/main.json', at });
    expect(problems[0]?.problem).toMatch(problem);
  });

  it('detects secdb documents only', () => {
    expect(alpineSecdbImporter.detect(secdb({}), 'main.json')).toBe(true);
    expect(alpineSecdbImporter.detect({ id: 'ALPINE-CVE-1', modified: 'x', affected: [] }, 'x.json')).toBe(false);
    expect(alpineSecdbImporter.detect({ alias: 'FEDORA-2023-1', builds: [] }, 'x.json')).toBe(false);
    expect(alpineSecdbImporter.detect({ busybox: { 'CVE-2021-0001': { releases: {} } } }, 'x.json')).toBe(false);
  });
});
