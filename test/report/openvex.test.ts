import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { openvexDocument, openvexJson } from '../../src/report/openvex.js';
import { applyVex, readVexFile } from '../../src/scan/index.js';
import { projectRoot } from '../helpers/cli.js';
import { finding, sampleScanResult } from '../helpers/scan-results.js';
import { tempDir } from '../helpers/tmp.js';

let validate: (document: unknown) => string | undefined;

beforeAll(async () => {
  const schema = JSON.parse(
    await readFile(`${projectRoot}test/fixtures/openvex/openvex_json_schema-0.2.0.json`, 'utf8'),
  );
  const ajv = new Ajv2020({ allErrors: true });
  addFormats.default(ajv);
  const check = ajv.compile(schema);
  validate = (document) => (check(document) ? undefined : ajv.errorsText(check.errors));
});

describe('openvexJson', () => {
  const result = sampleScanResult();
  result.findings.push(
    finding({
      id: 'CVE-2023-0001',
      aliases: [],
      cves: ['CVE-2023-0001'],
      name: 'glibc',
      version: '2.34',
      release: '100.el9',
      status: 'not-affected',
    }),
  );
  result.suppressed.push({
    finding: finding({
      id: 'CVE-2023-0002',
      aliases: [],
      cves: ['CVE-2023-0002'],
      name: 'zlib',
      version: '1.2.11',
      release: '40.el9',
      status: 'no-fix-yet',
    }),
    statement: { source: 'csaf.json', status: 'fixed' },
  });
  const document = JSON.parse(openvexJson(result));

  it('is valid against the OpenVEX 0.2.0 JSON schema', () => {
    expect(validate(document)).toBeUndefined();
    expect(document['@context']).toBe('https://openvex.dev/ns/v0.2.0');
    // The validator does enforce the spec's rules, e.g. an affected statement needs an action statement.
    const broken = structuredClone(document);
    delete broken.statements[0].action_statement;
    expect(validate(broken)).toMatch(/action_statement/);
  });

  it('states fix-available findings as affected with the update to make', () => {
    const curl = document.statements.find(
      (statement: { vulnerability: { name: string } }) => statement.vulnerability.name === 'ALSA-2023:5763',
    );
    expect(curl).toMatchObject({
      status: 'affected',
      vulnerability: { name: 'ALSA-2023:5763', aliases: ['CVE-2023-38545', 'CVE-2023-38546'] },
      products: [{ subcomponents: [{ '@id': result.findings[1]!.package.purl }] }],
    });
    expect(curl.products[0]['@id']).toMatch(/^pkg:oci\/base@sha256%3A2f1c/);
    expect(curl.action_statement).toContain('to 7.76.1-23.el9_2.4');
  });

  it('states suppressed findings with the statement status and justification', () => {
    const byName = (name: string) =>
      document.statements.find(
        (statement: { vulnerability: { name: string } }) => statement.vulnerability.name === name,
      );
    expect(byName('ALSA-2024:1000')).toMatchObject({
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    });
    expect(byName('CVE-2023-0002')).toMatchObject({ status: 'fixed' });
    expect(byName('CVE-2023-0001')).toMatchObject({ status: 'not_affected' });
    expect(byName('CVE-2023-0001').impact_statement).toContain('publisher');
    expect(document.statements).toHaveLength(result.findings.length + result.suppressed.length);
  });

  it('reads back through --vex: the suppressed findings are suppressed again, the affected ones stay', async () => {
    const file = join(await tempDir('patchline-openvex-'), 'scan.openvex.json');
    await writeFile(file, openvexJson(sampleScanResult()));
    const fresh = sampleScanResult();
    const vim = fresh.suppressed[0]!.finding;
    const rescanned = applyVex(
      { ...fresh, findings: [...fresh.findings, vim], suppressed: [] },
      await readVexFile(file),
    );
    expect(rescanned.findings.map((item) => item.id)).toEqual(fresh.findings.map((item) => item.id));
    expect(rescanned.suppressed.map((entry) => [entry.finding.id, entry.statement.justification])).toEqual([
      ['ALSA-2024:1000', 'vulnerable_code_not_in_execute_path'],
    ]);
  });

  it('names the package itself as the product when the image has no digest', () => {
    const plain = sampleScanResult();
    delete plain.target.digest;
    const statement = openvexDocument(plain).statements[0]!;
    expect(statement.products).toEqual([{ '@id': plain.findings[1]!.package.purl }]);
    expect(validate(openvexDocument(plain))).toBeUndefined();
  });
});
