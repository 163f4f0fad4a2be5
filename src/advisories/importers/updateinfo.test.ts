import { describe, expect, it } from 'vitest';
import { PatchlineError } from '../../core/index.js';
import { createUpdateinfoImporter, readUpdateinfo, updateinfoDate, updateinfoImporter } from './updateinfo.js';

/*
 * Errata in the shape Oracle and Amazon publish them in their repositories' updateinfo.xml (attributes, element order,
 * date spellings, the `src` entries beside the binaries, Amazon's per-collection duplicates). The ids, titles, dates and
 * CVEs are those of the real errata (ELSA-2024-4197: httpd:2.4 on Oracle Linux 8, CVE-2023-38709; ALAS2023-2023-001:
 * rsyslog, CVE-2022-24903, issued 2023-02-17 20:41); the package builds are illustrative.
 */
const ORACLE = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="el-errata_ww@oracle.com" status="final" type="security" version="2">
    <id>ELSA-2024-4197</id>
    <title> httpd:2.4/httpd security update</title>
    <issued date="2024-07-02"/>
    <updated date="2024-07-02"/>
    <severity>MODERATE</severity>
    <description>httpd
[2.4.37-65.0.1]
- Replace index.html with Oracle's index page oracle_index.html

[2.4.37-65]
- Resolves: RHEL-31857 - httpd:2.4/httpd: HTTP response splitting (CVE-2023-38709)</description>
    <references>
      <reference href="https://linux.oracle.com/errata/ELSA-2024-4197.html" id="ELSA-2024-4197" title="ELSA-2024-4197" type="self"/>
      <reference href="https://linux.oracle.com/cve/CVE-2023-38709.html" id="CVE-2023-38709" title="CVE-2023-38709" type="cve"/>
    </references>
    <pkglist>
      <collection short="el8_appstream">
        <name>Oracle Linux 8 AppStream</name>
        <module name="httpd" stream="2.4" version="8100020240613085326" context="9edba152" arch="x86_64"/>
        <package name="httpd" arch="src" epoch="0" version="2.4.37" release="65.0.1.module+el8.10.0+90356+9e0a6a9c" src="httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.src.rpm">
          <filename>httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.src.rpm</filename>
        </package>
        <package name="httpd" arch="x86_64" epoch="0" version="2.4.37" release="65.0.1.module+el8.10.0+90356+9e0a6a9c" src="httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.src.rpm">
          <filename>httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.x86_64.rpm</filename>
        </package>
        <package name="httpd" arch="aarch64" epoch="0" version="2.4.37" release="65.0.1.module+el8.10.0+90356+9e0a6a9c" src="httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.src.rpm">
          <filename>httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.aarch64.rpm</filename>
        </package>
        <package name="mod_ssl" arch="x86_64" epoch="1" version="2.4.37" release="65.0.1.module+el8.10.0+90356+9e0a6a9c" src="httpd-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.src.rpm">
          <filename>mod_ssl-2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c.x86_64.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
`;

const AMAZON = `<?xml version="1.0" ?>
<updates>
  <update author="linux-security@amazon.com" from="linux-security@amazon.com" status="final" type="security" version="1.4">
    <id>ALAS2023-2023-001</id>
    <title>Amazon Linux 2023 - ALAS2023-2023-001: Important priority package update for rsyslog</title>
    <issued date="2023-02-17 20:41:00"/>
    <updated date="2023-02-22 23:22:00"/>
    <severity>Important</severity>
    <description>Package updates are available for Amazon Linux 2023 that fix the following vulnerabilities:
CVE-2022-24903:
	A flaw was found in rsyslog's reception TCP modules.</description>
    <references>
      <reference href="https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2022-24903" id="CVE-2022-24903" title="" type="cve"/>
    </references>
    <pkglist>
      <collection short="amazon-linux-2023---al2023-x86_64">
        <name>Amazon Linux 2023</name>
        <package arch="x86_64" epoch="0" name="rsyslog" release="3.amzn2023.0.2" version="8.2204.0">
          <filename>Packages/rsyslog-8.2204.0-3.amzn2023.0.2.x86_64.rpm</filename>
        </package>
      </collection>
      <collection short="amazon-linux-2023---al2023-aarch64">
        <name>Amazon Linux 2023</name>
        <package arch="aarch64" epoch="0" name="rsyslog" release="3.amzn2023.0.2" version="8.2204.0">
          <filename>Packages/rsyslog-8.2204.0-3.amzn2023.0.2.aarch64.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
  <update author="linux-security@amazon.com" from="linux-security@amazon.com" status="final" type="bugfix" version="1.4">
    <id>ALAS2023-2023-002</id>
    <title>a bug fix</title>
    <issued date="2023-02-18 10:00:00"/>
    <pkglist><collection short="x"><name>x</name>
      <package arch="x86_64" epoch="0" name="tzdata" release="1.amzn2023" version="2023a"/>
    </collection></pkglist>
  </update>
</updates>
`;

describe('updateinfo importer', () => {
  it("files Oracle's errata under Oracle Linux N from the id and the dist tag, binaries only, with the module stream", () => {
    const { records, problems } = updateinfoImporter.parse(ORACLE, 'ol8-updateinfo.xml');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      {
        id: 'ELSA-2024-4197',
        source: 'updateinfo',
        aliases: ['CVE-2023-38709'],
        summary: 'httpd:2.4/httpd security update',
        severity: 'MODERATE',
        published: '2024-07-02T00:00:00.000Z',
        modified: '2024-07-02T00:00:00.000Z',
        references: [
          'https://linux.oracle.com/errata/ELSA-2024-4197.html',
          'https://linux.oracle.com/cve/CVE-2023-38709.html',
        ],
        affected: [
          {
            ecosystem: 'Oracle Linux:8',
            scheme: 'rpm',
            package: 'httpd',
            nameKind: 'binary',
            status: 'fixed',
            fixedVersion: '2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c',
            fixAdvisory: 'ELSA-2024-4197',
            arches: ['aarch64', 'x86_64'],
            module: 'httpd:2.4',
            fixAvailableSince: '2024-07-02T00:00:00.000Z',
          },
          expect.objectContaining({
            package: 'mod_ssl',
            fixedVersion: '1:2.4.37-65.0.1.module+el8.10.0+90356+9e0a6a9c',
            arches: ['x86_64'],
            module: 'httpd:2.4',
          }),
        ],
      },
    ]);
  });

  it("files Amazon's errata under Amazon Linux 2023, one entry for a build listed in two collections, bug fixes skipped", () => {
    const { records, problems } = updateinfoImporter.parse(AMAZON, 'al2023-updateinfo.xml.gz');
    expect(problems).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      id: 'ALAS2023-2023-001',
      aliases: ['CVE-2022-24903'],
      severity: 'Important',
      published: '2023-02-17T20:41:00.000Z',
      modified: '2023-02-22T23:22:00.000Z',
      affected: [
        {
          ecosystem: 'Amazon Linux:2023',
          package: 'rsyslog',
          fixedVersion: '8.2204.0-3.amzn2023.0.2',
          arches: ['aarch64', 'x86_64'],
          fixAvailableSince: '2023-02-17T20:41:00.000Z',
        },
      ],
    });
  });

  it('takes the distribution it is told, and reports errata whose distribution it cannot tell', () => {
    const mirror = ORACLE.replaceAll('ELSA-2024-4197', 'ACME-2024-0001');
    expect(updateinfoImporter.parse(mirror, 'updateinfo.xml')).toMatchObject({
      records: [],
      problems: [
        { input: 'updateinfo.xml', at: 'ACME-2024-0001', problem: expect.stringMatching(/#os=ID:VERSION_ID/) },
      ],
    });
    const told = createUpdateinfoImporter({ ecosystem: 'AlmaLinux:8' }).parse(mirror, 'updateinfo.xml');
    expect(told.records[0]?.affected.map((entry) => entry.ecosystem)).toEqual(['AlmaLinux:8', 'AlmaLinux:8']);
  });

  it('keeps a non-security erratum that references a CVE, and reports a package it cannot read', () => {
    const text = AMAZON.replace('type="bugfix"', 'type="enhancement"').replace(
      '<pkglist><collection',
      '<references><reference id="CVE-2023-0001" type="cve" href="x"/></references><pkglist><collection',
    );
    expect(readUpdateinfo(text, 'u.xml').records.map((record) => record.id)).toEqual([
      'ALAS2023-2023-001',
      'ALAS2023-2023-002',
    ]);
    const bad = AMAZON.replace(
      'epoch="0" name="rsyslog" release="3.amzn2023.0.2"',
      'epoch="x" name="rsyslog" release="3"',
    );
    expect(readUpdateinfo(bad, 'u.xml').problems).toEqual([
      { input: 'u.xml', at: 'ALAS2023-2023-001', problem: 'ALAS2023-2023-001: rsyslog has epoch "x", not a number' },
    ]);
  });

  it('refuses a document type (no entity is ever expanded), truncated XML and undefined entities', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE updates [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<updates><update type="security"><id>&c;</id></update></updates>`;
    expect(() => readUpdateinfo(bomb, 'bomb.xml')).toThrow(
      /DOCTYPE declaration; document types and their entities are not honoured/,
    );
    expect(() => readUpdateinfo(ORACLE.slice(0, 1500), 'cut.xml')).toThrow(/cut\.xml: .*ends inside .*truncated/);
    expect(() => readUpdateinfo('<updates><update><id>&c;</id></update></updates>', 'e.xml')).toThrow(
      /the entity &c; is not defined/,
    );
    expect(() => readUpdateinfo('<repomd/>', 'r.xml')).toThrow(PatchlineError);
    // Through the importer, the same faults are problems naming the file, never a throw.
    expect(updateinfoImporter.parse(bomb, 'bomb.xml')).toEqual({
      records: [],
      problems: [{ input: 'bomb.xml', problem: expect.stringMatching(/DOCTYPE/) }],
    });
  });

  it('is offered XML text only, by name or by an <updates> root', () => {
    expect(updateinfoImporter.detect(ORACLE, 'anything.xml')).toBe(true);
    expect(updateinfoImporter.detect('<x/>', 'abc-updateinfo.xml.zst')).toBe(true);
    expect(updateinfoImporter.detect('<repomd/>', 'repomd.xml')).toBe(false);
    expect(updateinfoImporter.detect({ updates: [] }, 'updateinfo.xml')).toBe(false);
  });

  it.each([
    ['2024-07-02', '2024-07-02T00:00:00.000Z'],
    ['2023-02-17 20:41:00', '2023-02-17T20:41:00.000Z'],
    ['2023-02-17 20:41:00 UTC', '2023-02-17T20:41:00.000Z'],
    ['2023-02-17 20:41', '2023-02-17T20:41:00.000Z'],
    ['1700000000', '2023-11-14T22:13:20.000Z'],
    ['yesterday', undefined],
    ['2023-02-30', undefined],
  ])('reads the date %s', (text, iso) => {
    expect(updateinfoDate(text)).toBe(iso);
  });
});
