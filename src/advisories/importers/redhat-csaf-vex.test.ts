import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../version/index.js';
import type { AdvisoryRecord, AffectedPackage, ImportResult } from '../advisory.js';
import { IMPORTERS } from './index.js';
import { redhatCsafAdvisoryImporter } from './redhat-csaf-advisory.js';
import { redhatCsafVexImporter } from './redhat-csaf-vex.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const VEX = resolve(SHARED, 'fixtures/vuln/redhat-csaf-vex');
const ADVISORIES = resolve(SHARED, 'fixtures/vuln/redhat-csaf-advisories');
const ORACLE = resolve(import.meta.dirname, 'redhat/csaf-oracle.py');

// biome-ignore lint/suspicious/noExplicitAny: test documents are edited freely
type Json = Record<string, any>;

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

function only(result: ImportResult): AdvisoryRecord {
  expect(result.records).toHaveLength(1);
  return result.records[0] as AdvisoryRecord;
}

type OracleRow = [string, string, string, string | null, string[], string | null, string | null];

/** The rows python3 reads from the document on its own (redhat/csaf-oracle.py). */
function oracle(path: string, status: string, cpePattern: string): OracleRow[] {
  return JSON.parse(execFileSync('/usr/bin/python3', [ORACLE, path, status, cpePattern], { encoding: 'utf8' }));
}

/** Our rows in the oracle's shape. */
function asOracleRows(entries: AffectedPackage[]): OracleRow[] {
  return entries
    .map(
      (entry): OracleRow => [
        entry.stream ?? '',
        entry.package,
        entry.nameKind,
        entry.fixedVersion ?? null,
        entry.arches ?? [],
        entry.fixAdvisory ?? null,
        entry.fixAvailableSince ?? null,
      ],
    )
    .sort((a, b) => String(a).localeCompare(String(b)));
}

function sortRows(rows: OracleRow[]): OracleRow[] {
  return [...rows].sort((a, b) => String(a).localeCompare(String(b)));
}

describe.skipIf(!HAVE_SHARED)(`redhatCsafVexImporter on Red Hat's real VEX documents${SKIPPED}`, () => {
  const curlPath = resolve(VEX, 'cve-2023-38545.json');

  it('is the importer the pipeline picks for a VEX document, and only for it', () => {
    const vex = readJson(curlPath);
    const advisory = readJson(resolve(ADVISORIES, 'rhsa-2024_0010.json'));
    expect(IMPORTERS.find((importer) => importer.detect(vex, 'cve-2023-38545.json'))).toBe(redhatCsafVexImporter);
    expect(IMPORTERS.find((importer) => importer.detect(advisory, 'rhsa-2024_0010.json'))).toBe(
      redhatCsafAdvisoryImporter,
    );
    // Another vendor's CSAF VEX is not read with Red Hat's CPE rules.
    const other = structuredClone(vex);
    other.document.publisher.namespace = 'https://www.suse.com';
    expect(redhatCsafVexImporter.detect(other, 'x.json')).toBe(false);
    for (const notCsaf of [null, 'text', [vex], {}, { document: null }, { document: { category: 'csaf_vex' } }]) {
      expect(redhatCsafVexImporter.detect(notCsaf, 'x.json')).toBe(false);
    }
  });

  it('curl CVE-2023-38545: the record, its RHSAs and its dates as the document states them', () => {
    const record = only(redhatCsafVexImporter.parse(readJson(curlPath), 'cve-2023-38545.json'));
    expect(record).toMatchObject({
      id: 'CVE-2023-38545',
      source: 'redhat-csaf-vex',
      severity: 'Important',
      published: '2023-10-11T00:00:00+00:00',
      modified: '2025-11-21T14:31:32+00:00',
      summary: 'curl: heap based buffer overflow in the SOCKS5 proxy handshake',
    });
    expect(record.references).toEqual(
      expect.arrayContaining([
        'https://security.access.redhat.com/data/csaf/v2/vex/2023/cve-2023-38545.json',
        'https://access.redhat.com/security/cve/CVE-2023-38545',
        'https://bugzilla.redhat.com/show_bug.cgi?id=2241933',
      ]),
    );
    // The seven vendor_fix remediations (read with jq).
    expect(record.aliases).toEqual([
      'RHSA-2023:5700',
      'RHSA-2023:5763',
      'RHSA-2023:6745',
      'RHSA-2023:7625',
      'RHSA-2023:7626',
      'RHSA-2024:0797',
      'RHSA-2024:2011',
    ]);
  });

  it('curl CVE-2023-38545: RHEL 9 main stream curl is fixed in 7.76.1-26.el9_3.2 by RHSA-2023:6745 of 2023-11-07', () => {
    const record = only(redhatCsafVexImporter.parse(readJson(curlPath), 'cve-2023-38545.json'));
    const curl = record.affected.filter(
      (entry) =>
        entry.ecosystem === 'Red Hat:9' &&
        entry.stream === 'cpe:/a:redhat:enterprise_linux:9::appstream' &&
        entry.package === 'curl' &&
        entry.fixAdvisory === 'RHSA-2023:6745',
    );
    expect(curl).toEqual([
      {
        ecosystem: 'Red Hat:9',
        stream: 'cpe:/a:redhat:enterprise_linux:9::appstream',
        scheme: 'rpm',
        package: 'curl',
        nameKind: 'binary',
        status: 'fixed',
        arches: ['aarch64', 'ppc64le', 's390x', 'x86_64'],
        fixedVersion: '7.76.1-26.el9_3.2',
        fixAdvisory: 'RHSA-2023:6745',
        fixAvailableSince: '2023-11-07T10:27:03+00:00',
      },
      {
        ecosystem: 'Red Hat:9',
        stream: 'cpe:/a:redhat:enterprise_linux:9::appstream',
        scheme: 'rpm',
        package: 'curl',
        nameKind: 'source',
        status: 'fixed',
        fixedVersion: '7.76.1-26.el9_3.2',
        fixAdvisory: 'RHSA-2023:6745',
        fixAvailableSince: '2023-11-07T10:27:03+00:00',
      },
    ]);
  });

  it('curl CVE-2023-38545: every RHEL 9 fixed entry matches what python3 reads from the document', () => {
    const record = only(redhatCsafVexImporter.parse(readJson(curlPath), 'cve-2023-38545.json'));
    const expected = oracle(curlPath, 'fixed', ':redhat:(enterprise_linux|rhel_eus):9');
    const ours = record.affected.filter((entry) => entry.ecosystem === 'Red Hat:9' && entry.status === 'fixed');
    // 294 fixed product ids (six RHEL 9 products × 49 rpms) in 66 rows: 11 names, one row per arch set.
    expect(expected).toHaveLength(66);
    expect(asOracleRows(ours)).toEqual(sortRows(expected));
  });

  it('curl CVE-2023-38545: RHEL 6, 7 and 8 are not affected (curl, libcurl and their source)', () => {
    const record = only(redhatCsafVexImporter.parse(readJson(curlPath), 'cve-2023-38545.json'));
    const rhel8 = record.affected.filter((entry) => entry.ecosystem === 'Red Hat:8');
    expect(rhel8.map((entry) => `${entry.package}/${entry.nameKind}/${entry.status}`).sort()).toEqual([
      'curl/binary/not-affected',
      'curl/source/not-affected',
      'libcurl-devel/binary/not-affected',
      'libcurl-minimal/binary/not-affected',
      'libcurl/binary/not-affected',
    ]);
    for (const entry of rhel8) {
      expect(entry.stream).toBe('cpe:/o:redhat:enterprise_linux:8');
      expect(entry.arches).toBeUndefined();
      expect(entry.fixedVersion).toBeUndefined();
    }
    const expected = oracle(curlPath, 'known_not_affected', ':redhat:enterprise_linux:[678]$');
    const ours = record.affected.filter((entry) => /^Red Hat:[678]$/.test(entry.ecosystem));
    expect(asOracleRows(ours)).toEqual(sortRows(expected));
  });

  it('curl CVE-2023-38545: layered products stay out of the RHEL ecosystems, with their own fixes', () => {
    const record = only(redhatCsafVexImporter.parse(readJson(curlPath), 'cve-2023-38545.json'));
    const jbcs = record.affected.filter((entry) => entry.stream === 'cpe:/a:redhat:jboss_core_services:1::el8');
    expect(new Set(jbcs.map((entry) => entry.ecosystem))).toEqual(new Set(['Red Hat layered:8']));
    const expected = oracle(curlPath, 'fixed', 'jboss_core_services:1::el8$');
    expect(asOracleRows(jbcs.filter((entry) => entry.status === 'fixed'))).toEqual(sortRows(expected));
    // An epoch other than 0 is kept (jbcs-httpd24-openssl-1:1.1.1k-16.el8jbcs is listed as not affected).
    expect(jbcs.some((entry) => entry.package === 'jbcs-httpd24-openssl' && entry.status === 'not-affected')).toBe(
      true,
    );
    // Text-Only JBCS has no RHEL major in its CPE: not read.
    expect(record.affected.some((entry) => entry.stream === 'cpe:/a:redhat:jboss_core_services:1')).toBe(false);
  });

  it('CVE-2023-4154: every RHEL entry is not-affected, as python3 reads it', () => {
    const path = resolve(VEX, 'cve-2023-4154.json');
    const result = redhatCsafVexImporter.parse(readJson(path), 'cve-2023-4154.json');
    expect(result.problems).toEqual([]);
    const record = only(result);
    expect(record.aliases).toEqual([]);
    expect(new Set(record.affected.map((entry) => entry.status))).toEqual(new Set(['not-affected']));
    expect(asOracleRows(record.affected)).toEqual(
      sortRows(oracle(path, 'known_not_affected', ':redhat:enterprise_linux:\\d+$')),
    );
    // Red Hat Storage 3 has no RHEL major: its samba entries are not read.
    expect(record.affected.some((entry) => entry.stream === 'cpe:/a:redhat:storage:3')).toBe(false);
  });

  it('CVE-2024-24786 (simple): an OpenShift 4.16 on RHEL 9 fix is layered content', () => {
    const result = redhatCsafVexImporter.parse(readJson(resolve(VEX, 'cve-2024-24786-simple.json')), 'simple.json');
    expect(result.problems).toEqual([]);
    expect(only(result).affected).toEqual([
      {
        ecosystem: 'Red Hat layered:9',
        stream: 'cpe:/a:redhat:openshift:4.16::el9',
        scheme: 'rpm',
        package: 'cri-tools',
        nameKind: 'binary',
        status: 'fixed',
        arches: ['aarch64'],
        fixedVersion: '1.29.0-3.1.el9',
      },
    ]);
  });

  it('CVE-2024-24786 (bad rpmmod): reports the component, skips its statements, keeps the rest of the document', () => {
    const result = redhatCsafVexImporter.parse(
      readJson(resolve(VEX, 'cve-2024-24786-bad-rpmmod.json')),
      'cve-2024-24786-bad-rpmmod.json',
    );
    expect(result.problems).toEqual([
      {
        input: 'cve-2024-24786-bad-rpmmod.json',
        at: '/product_tree/branches/2/product/product_identification_helper/purl',
        problem:
          'CVE-2024-24786: rpmmod qualifier "rhel10" is not name:stream[:version:context]; the statements about firefox-flatpak-0:128.0-1.el10.src are skipped',
      },
    ]);
    const record = only(result);
    expect(record.aliases).toEqual(['RHSA-2024:0000']);
    expect(record.affected.map((entry) => [entry.package, entry.status, entry.ecosystem])).toEqual([
      ['cri-tools', 'fixed', 'Red Hat:10'],
      ['good-pkg', 'affected', 'Red Hat:10'],
    ]);
    expect(record.affected.some((entry) => entry.package === 'firefox-flatpak')).toBe(false);
  });
});

describe.skipIf(!HAVE_SHARED)(`redhatCsafVexImporter on edited copies of the real documents${SKIPPED}`, () => {
  const badPath = resolve(VEX, 'cve-2024-24786-bad-rpmmod.json');

  it('a valid rpmmod qualifier gives the entry its module stream', () => {
    const document = readJson(badPath);
    const product = document.product_tree.branches[2].product;
    product.product_identification_helper.purl =
      'pkg:rpm/redhat/firefox-flatpak@128.0-1.module%2Bel9.4.0%2B1%2Babc?arch=src&rpmmod=firefox:esr:9040020240807145403:rhel9';
    const result = redhatCsafVexImporter.parse(document, 'edited.json');
    expect(result.problems).toEqual([]);
    expect(only(result).affected.find((entry) => entry.package === 'firefox-flatpak')).toMatchObject({
      nameKind: 'source',
      module: 'firefox:esr',
      status: 'affected',
    });
  });

  /** The bad-rpmmod document plus nodejs:20 as a module component of AppStream-10 and an rpm of it, fixed. */
  function withModuleChain(modulePurl: string): Json {
    const document = readJson(badPath);
    const tree = document.product_tree;
    tree.branches.push(
      {
        category: 'product_version',
        name: 'nodejs:20:9040020240807145403:rhel9',
        product: {
          name: 'nodejs:20:9040020240807145403:rhel9',
          product_id: 'nodejs:20:9040020240807145403:rhel9',
          product_identification_helper: { purl: modulePurl },
        },
      },
      {
        category: 'product_version',
        name: 'nodejs-1:20.16.0-1.module+el9.4.0+22197+9e60f127.x86_64',
        product: {
          name: 'nodejs-1:20.16.0-1.module+el9.4.0+22197+9e60f127.x86_64',
          product_id: 'nodejs-1:20.16.0-1.module+el9.4.0+22197+9e60f127.x86_64',
          product_identification_helper: {
            purl: 'pkg:rpm/redhat/nodejs@20.16.0-1.module%2Bel9.4.0%2B22197%2B9e60f127?arch=x86_64&epoch=1',
          },
        },
      },
    );
    const moduleId = 'AppStream-10:nodejs:20:9040020240807145403:rhel9';
    const rpmId = `${moduleId}:nodejs-1:20.16.0-1.module+el9.4.0+22197+9e60f127.x86_64`;
    tree.relationships.push(
      {
        category: 'default_component_of',
        full_product_name: { name: 'nodejs:20 in AppStream', product_id: moduleId },
        product_reference: 'nodejs:20:9040020240807145403:rhel9',
        relates_to_product_reference: 'AppStream-10',
      },
      {
        category: 'default_component_of',
        full_product_name: { name: 'nodejs in nodejs:20 in AppStream', product_id: rpmId },
        product_reference: 'nodejs-1:20.16.0-1.module+el9.4.0+22197+9e60f127.x86_64',
        relates_to_product_reference: moduleId,
      },
    );
    const vulnerability = document.vulnerabilities[0];
    vulnerability.product_status.fixed.push(rpmId, moduleId);
    vulnerability.remediations[0].product_ids.push(rpmId);
    return document;
  }

  it('an rpm that is a component of a module component (pkg:rpmmod) takes the module from the chain', () => {
    const document = withModuleChain('pkg:rpmmod/redhat/nodejs@20:9040020240807145403:rhel9');
    const record = only(redhatCsafVexImporter.parse(document, 'edited.json'));
    // The module's own statement is not about a package and gives no row.
    expect(record.affected.filter((entry) => entry.package === 'nodejs')).toEqual([
      {
        ecosystem: 'Red Hat:10',
        stream: 'cpe:/a:redhat:enterprise_linux:10::appstream',
        scheme: 'rpm',
        package: 'nodejs',
        nameKind: 'binary',
        module: 'nodejs:20',
        status: 'fixed',
        arches: ['x86_64'],
        fixedVersion: '1:20.16.0-1.module+el9.4.0+22197+9e60f127',
        fixAdvisory: 'RHSA-2024:0000',
      },
    ]);
  });

  it('an rpm under a module component that names no stream is reported and skipped, not read as non-modular', () => {
    const result = redhatCsafVexImporter.parse(withModuleChain('pkg:rpmmod/redhat/nodejs'), 'edited.json');
    expect(result.problems.map((problem) => problem.problem)).toContainEqual(
      expect.stringContaining('module purl pkg:rpmmod/redhat/nodejs names no stream'),
    );
    expect(only(result).affected.some((entry) => entry.package === 'nodejs')).toBe(false);
  });

  it('maps no_fix_planned / none_available remediations and the other statuses', () => {
    const document = readJson(resolve(VEX, 'cve-2023-4154.json'));
    const vulnerability = document.vulnerabilities[0];
    const status = vulnerability.product_status;
    const move = ['samba', 'samba-client', 'samba-common', 'samba-libs', 'samba-winbind', 'ctdb'].map(
      (name) => `red_hat_enterprise_linux_9:${name}`,
    );
    for (const id of move) expect(status.known_not_affected).toContain(id);
    status.known_not_affected = status.known_not_affected.filter((id: string) => !move.includes(id));
    status.known_affected = move.slice(0, 5);
    status.under_investigation = [move[5]];
    vulnerability.remediations = [
      { category: 'no_fix_planned', details: 'Will not fix', product_ids: [move[0]] },
      { category: 'no_fix_planned', details: 'Out of support scope', product_ids: [move[1]] },
      { category: 'none_available', details: 'Fix deferred', product_ids: [move[2]] },
      { category: 'none_available', details: 'Affected', product_ids: [move[3]] },
      { category: 'workaround', details: 'Do not use it.', url: null, date: null, product_ids: move },
    ];
    const result = redhatCsafVexImporter.parse(document, 'edited.json');
    expect(result.problems).toEqual([]);
    const rhel9 = only(result).affected.filter((entry) => entry.ecosystem === 'Red Hat:9');
    const statusOf = (name: string) =>
      rhel9.filter((entry) => entry.package === name && entry.nameKind === 'binary').map((entry) => entry.status);
    expect(statusOf('samba')).toEqual(['will-not-fix']);
    expect(statusOf('samba-client')).toEqual(['out-of-support']);
    expect(statusOf('samba-common')).toEqual(['fix-deferred']);
    expect(statusOf('samba-libs')).toEqual(['affected']);
    expect(statusOf('samba-winbind')).toEqual(['affected']); // known_affected without a remediation
    expect(statusOf('ctdb')).toEqual(['affected']); // under_investigation
    expect(statusOf('samba-dc-libs')).toEqual(['not-affected']);
  });

  it('keeps a non-zero epoch on a fixed version, in the form the rpm ordering reads', () => {
    const document = readJson(resolve(VEX, 'cve-2023-38545.json'));
    const arch = document.product_tree.branches[0].branches.find((branch: Json) => branch.name === 'x86_64');
    const curl = arch.branches.find((branch: Json) => branch.name === 'curl-0:7.76.1-26.el9_3.2.x86_64');
    expect(curl.product.product_identification_helper.purl).toBe('pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=x86_64');
    curl.product.product_identification_helper.purl += '&epoch=2';
    const record = only(redhatCsafVexImporter.parse(document, 'edited.json'));
    const fixed = record.affected.find(
      (entry) => entry.package === 'curl' && entry.arches?.includes('x86_64') && entry.fixAdvisory === 'RHSA-2023:6745',
    );
    expect(fixed?.fixedVersion).toBe('2:7.76.1-26.el9_3.2');
    expect(fixed?.arches).toEqual(['x86_64']); // the other arches keep epoch 0: a row of their own
    expect(compareVersions('rpm', '0:99-1.el9', fixed?.fixedVersion ?? '')).toBe(-1);
    const plain = record.affected.find(
      (entry) =>
        entry.package === 'curl' && entry.arches?.includes('aarch64') && entry.fixAdvisory === 'RHSA-2023:6745',
    );
    expect(plain?.fixedVersion).toBe('7.76.1-26.el9_3.2');
  });
});

describe.skipIf(!HAVE_SHARED)(`redhatCsafVexImporter on hostile and malformed documents${SKIPPED}`, () => {
  const simple = () => readJson(resolve(VEX, 'cve-2024-24786-bad-rpmmod.json'));

  it('a document without a tracking id is one problem and no record', () => {
    const document = simple();
    delete document.document.tracking.id;
    expect(redhatCsafVexImporter.parse(document, 'bad.json')).toEqual({
      records: [],
      problems: [{ input: 'bad.json', at: '/document/tracking/id', problem: expect.stringContaining('string') }],
    });
  });

  it('a release date that is not a timestamp is one problem and no record', () => {
    const document = simple();
    document.document.tracking.current_release_date = 'yesterday';
    const result = redhatCsafVexImporter.parse(document, 'bad.json');
    expect(result.records).toEqual([]);
    expect(result.problems).toMatchObject([{ at: '/document/tracking/current_release_date' }]);
  });

  it.each([null, 'text', 42, [], { document: 'x' }])('does not throw on %j', (document) => {
    const result = redhatCsafVexImporter.parse(document, 'bad.json');
    expect(result.records).toEqual([]);
    expect(result.problems).toHaveLength(1);
  });

  it('a malformed vulnerability or relationship is reported at its path; the rest is read', () => {
    const document = simple();
    document.vulnerabilities.push({ cve: 7, product_status: 'all' });
    document.product_tree.relationships.push({ category: 'default_component_of', product_reference: 3 });
    const result = redhatCsafVexImporter.parse(document, 'bad.json');
    expect(result.problems.map((problem) => problem.at)).toEqual([
      '/product_tree/relationships/3/full_product_name',
      '/product_tree/branches/2/product/product_identification_helper/purl',
      '/vulnerabilities/1/cve',
    ]);
    expect(only(result).affected.map((entry) => entry.package)).toEqual(['cri-tools', 'good-pkg']);
  });

  it('a fixed component without a version, or with a garbage purl, is reported and skipped', () => {
    const document = simple();
    document.product_tree.branches[0].product.product_identification_helper.purl =
      'pkg:rpm/redhat/cri-tools?arch=aarch64';
    document.product_tree.branches[1].product.product_identification_helper.purl = 'good-pkg 1.0';
    const result = redhatCsafVexImporter.parse(document, 'bad.json');
    expect(result.problems.map((problem) => problem.problem)).toEqual([
      expect.stringContaining('a fixed component without a version'),
      expect.stringContaining('not a valid purl'),
      expect.stringContaining('rpmmod qualifier'),
    ]);
    expect(only(result).affected).toEqual([]);
  });

  it('branches nested 100,000 deep are reported, not a stack overflow', () => {
    const document = simple();
    let branch: Json = { category: 'product_version', name: 'leaf' };
    for (let depth = 0; depth < 100_000; depth++) branch = { category: 'vendor', name: 'x', branches: [branch] };
    document.product_tree.branches.push(branch);
    const result = redhatCsafVexImporter.parse(document, 'bad.json');
    expect(result.problems.map((problem) => problem.problem)).toContainEqual(
      expect.stringContaining('branches nested deeper than 16'),
    );
    expect(only(result).affected).toHaveLength(2);
  });

  it('a relationship loop ends without a row', () => {
    const document = simple();
    document.product_tree.relationships.push(
      {
        category: 'default_component_of',
        full_product_name: { name: 'a', product_id: 'loop-a' },
        product_reference: 'good-pkg-0:1.0.0-1.el10.x86_64',
        relates_to_product_reference: 'loop-b',
      },
      {
        category: 'default_component_of',
        full_product_name: { name: 'b', product_id: 'loop-b' },
        product_reference: 'good-pkg-0:1.0.0-1.el10.x86_64',
        relates_to_product_reference: 'loop-a',
      },
    );
    document.vulnerabilities[0].product_status.known_affected.push('loop-a', 'no-such-product');
    const result = redhatCsafVexImporter.parse(document, 'bad.json');
    expect(only(result).affected.map((entry) => entry.package)).toEqual(['cri-tools', 'good-pkg']);
  });
});
