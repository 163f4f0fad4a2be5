import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { PatchlineError } from '../src/core/index.js';
import { gateEvidence, parseGateEvidence } from '../src/policy/evidence.js';
import { GATE_PREDICATE_TYPE, gateEvidenceJsonSchema } from '../src/policy/evidence-schema.js';
import { gateInTotoStatement } from '../src/policy/evidence-statement.js';
import type { GateResult } from '../src/policy/gate-result.js';
import { projectRoot } from './helpers/cli.js';
import { gateResultFrom, HAVE_SHARED, realScan } from './helpers/gate-results.js';

/*
 * The gate evidence and its in-toto statement for GateResults made from a real scan (test/helpers/gate-results.ts).
 * The record is checked against the committed JSON Schema with Ajv (an independent validator), the statement against
 * the MUSTs of the in-toto Statement v1 specification, github.com/in-toto/attestation: spec/v1/statement.md (commit
 * 412b0d4db4c9f8002cc5520b65f7a1ad0144bb08), resource_descriptor.md (c270917d40ef62151c83bd03373215b414de9618) and
 * digest_set.md (0d9135295f3070a4755f9ac6d4b69813f95d2707, `sha256` as lowercase hex). in-toto publishes no JSON
 * Schema for the statement, only that text and protobuf definitions, so there is none to store in test/fixtures.
 */

const SCHEMA_FILE = join(projectRoot, 'schemas/gate-evidence-v1.json');
const EVALUATED_AT = '2026-09-01T00:00:00Z';

describe('the committed JSON Schema', () => {
  it('is the one generated from the zod schema (regenerate: UPDATE_SCHEMAS=1 npx vitest run test/gate-evidence.test.ts)', async () => {
    const generated = `${JSON.stringify(gateEvidenceJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') await writeFile(SCHEMA_FILE, generated);
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(generated);
  });
});

describe.skipIf(!HAVE_SHARED)(
  HAVE_SHARED ? 'gate evidence on a real scan' : 'gate evidence (skipped: ../shared is absent)',
  () => {
    let fail: GateResult;
    let pass: GateResult;
    let validate: (document: unknown) => string | undefined;

    beforeAll(async () => {
      const { scan } = await realScan();
      const first = scan.findings.find((finding) => finding.status === 'fix-available');
      if (!first) throw new Error('the real scan has no fix-available findings');
      fail = gateResultFrom(scan, {
        maxAgeDays: 30,
        evaluatedAt: EVALUATED_AT,
        exceptions: [
          {
            id: first.id,
            package: first.package.name,
            status: 'not_affected',
            justification: 'vulnerable_code_not_in_execute_path',
            approver: 'security@example.com',
            expires: '2026-08-31',
            state: 'expired',
            matched: [{ finding: first.id, package: first.package.name, cves: first.cves }],
          },
        ],
      });
      pass = gateResultFrom(scan, { maxAgeDays: 3650, evaluatedAt: EVALUATED_AT });
      const ajv = new Ajv2020({ allErrors: true });
      addFormats.default(ajv);
      const check = ajv.compile(JSON.parse(await readFile(SCHEMA_FILE, 'utf8')));
      validate = (document) => (check(document) ? undefined : ajv.errorsText(check.errors));
    }, 300_000);

    it('holds what an auditor needs, valid against the published schema', () => {
      const evidence = gateEvidence(fail);
      expect(validate(evidence)).toBeUndefined();
      expect(validate(gateEvidence(pass))).toBeUndefined();
      // The validator does reject a record that lacks what an auditor needs.
      const { policy: _policy, ...noPolicy } = evidence;
      expect(validate(noPolicy)).toMatch(/policy/);
      expect(validate({ ...evidence, image: { ...evidence.image, digest: 'sha256:abc' } })).toMatch(/digest/);

      expect(evidence).toMatchObject({
        apiVersion: 'patchline.dev/v1',
        kind: 'GateEvidence',
        verdict: 'fail',
        evaluatedAt: EVALUATED_AT,
        tool: fail.tool,
        image: { reference: fail.image.reference, digest: fail.scan.target.digest },
        policy: fail.policy,
        database: { snapshotId: fail.scan.database.snapshotId, builtAt: fail.scan.database.builtAt },
        exceptions: fail.exceptions,
        exposure: fail.exposure,
      });
      expect(evidence.database.ageSeconds).toBe(fail.scan.database.ageSeconds);
      expect(evidence.rules.map((rule) => [rule.rule, rule.outcome, rule.message, rule.inputs])).toEqual(
        fail.rules.map((rule) => [rule.rule, rule.outcome, rule.message, rule.inputs]),
      );
      const counts = { 'fix-available': 0, 'no-fix-yet': 0, 'will-not-fix': 0, 'not-affected': 0 };
      for (const finding of fail.scan.findings) counts[finding.status]++;
      expect(evidence.scan.findings).toEqual(counts);
    });

    it('references findings by id, package, versions and fix date instead of copying them', () => {
      const evidence = gateEvidence(fail);
      const late = fail.rules.find((rule) => rule.rule === 'fixes.maxAge')!;
      const refs = evidence.rules.find((rule) => rule.rule === 'fixes.maxAge')!.findings;
      expect(refs).toHaveLength(late.findings.length);
      const expected = new Set(
        late.findings.map((f) =>
          [f.id, f.package.name, f.package.installed, f.fixedVersion, f.fixAvailableSince].join(' '),
        ),
      );
      expect(new Set(refs.map((r) => [r.id, r.package, r.installed, r.fixed, r.fixAvailableSince].join(' ')))).toEqual(
        expected,
      );
      for (const ref of refs)
        expect(Object.keys(ref).sort()).toEqual([
          'arch',
          'fixAvailableSince',
          'fixed',
          'id',
          'installed',
          'package',
          'purl',
          'status',
        ]);
      // Far smaller than the scan it refers to.
      expect(JSON.stringify(evidence).length).toBeLessThan(JSON.stringify(fail.scan).length / 2);
    });

    it('is an in-toto Statement v1 with the image as its subject and the evidence as its predicate', () => {
      const statement = gateInTotoStatement(fail);
      const document = JSON.parse(JSON.stringify(statement)) as Record<string, unknown>;
      // statement.md: the four fields, _type exactly this URI.
      expect(Object.keys(document).sort()).toEqual(['_type', 'predicate', 'predicateType', 'subject']);
      expect(document._type).toBe('https://in-toto.io/Statement/v1');
      // subject: a non-empty array of ResourceDescriptors, each with a digest (a map of algorithm to lowercase hex).
      const subject = document.subject as Array<{ name: string; digest: Record<string, string> }>;
      expect(subject).toHaveLength(1);
      expect(subject[0]!.digest).toEqual({ sha256: fail.image.digest!.slice('sha256:'.length) });
      expect(subject[0]!.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(subject[0]!.name).toBe(fail.image.reference.replace(/^oci:/, '').replace(/:latest$/, ''));
      // predicateType: a TypeURI; predicate: an object, here the evidence record.
      expect(new URL(document.predicateType as string).protocol).toBe('https:');
      expect(document.predicateType).toBe(GATE_PREDICATE_TYPE);
      expect(document.predicate).toEqual(gateEvidence(fail));
      expect(validate(document.predicate)).toBeUndefined();
    });

    it('refuses an image without a digest, saying why', () => {
      const noDigest = gateResultFrom(fail.scan, { maxAgeDays: 30, evaluatedAt: EVALUATED_AT, noDigest: true });
      expect(() => gateInTotoStatement(noDigest)).toThrow(PatchlineError);
      expect(() => gateInTotoStatement(noDigest)).toThrow(
        `${noDigest.image.reference}: has no manifest digest, and an in-toto statement identifies its subject by digest`,
      );
      // The record itself can still be written (and says there was no digest by leaving it out).
      expect(gateEvidence(noDigest).image.digest).toBeUndefined();
    });

    it('reads back as the record or as the statement, and rejects anything else naming the file', () => {
      const evidence = gateEvidence(fail);
      expect(parseGateEvidence(JSON.stringify(evidence), 'e.json')).toEqual(evidence);
      expect(parseGateEvidence(JSON.stringify(gateInTotoStatement(fail)), 's.json')).toEqual(evidence);
      expect(() => parseGateEvidence('{not json', 'bad.json')).toThrow(/^bad\.json: is not JSON/);
      expect(() =>
        parseGateEvidence(
          JSON.stringify({ ...gateInTotoStatement(fail), predicateType: 'https://slsa.dev/provenance/v1' }),
          'p.json',
        ),
      ).toThrow('p.json: is an in-toto statement of predicateType "https://slsa.dev/provenance/v1"');
      expect(() => parseGateEvidence(JSON.stringify({ ...evidence, verdict: 'maybe' }), 'v.json')).toThrow(
        /^v\.json: is not gate evidence: verdict: /,
      );
    });
  },
);
