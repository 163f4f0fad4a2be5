import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { gateEvidence } from '../src/policy/evidence.js';
import type { ExceptionOutcome, GateResult } from '../src/policy/gate-result.js';
import { gateImage } from '../src/policy/index.js';
import { GITHUB_COMMENT_LIMIT, renderGateReport, sarifJson, scanJson } from '../src/report/index.js';
import type { Finding } from '../src/scan/finding.js';
import { projectRoot } from './helpers/cli.js';
import { gateResultFrom, HAVE_SHARED, realScan, SCANNED_AT } from './helpers/gate-results.js';
import { describeMultitoolResults, sarifMultitool } from './helpers/sarif-multitool.js';
import { sarifSchema } from './helpers/sarif-schema.js';
import { sampleScanResult } from './helpers/scan-results.js';
import { tempDir } from './helpers/tmp.js';

/*
 * The gate's five report formats on GateResults made from a real scan (test/helpers/gate-results.ts: a real CentOS 8
 * rpm database as AlmaLinux 8 against the real AlmaLinux OSV data): a failing verdict (fixes older than 30 days, an
 * expired exception, a forbidden package), a passing one (a 10-year limit, an exception in force until tomorrow), and
 * hostile strings in a real finding. Expectations come from the GateResult given to the writers, from the JUnit XSD
 * Jenkins validates against (xmllint), the SARIF 2.1.0 schema and python3's XML parser, never from our own output.
 */

const run = promisify(execFile);
const JUNIT_XSD = `${projectRoot}test/fixtures/junit/junit-10.xsd`;
const EVALUATED_AT = '2026-09-01T00:00:00Z';
const DAY_MS = 86_400_000;

let fail: GateResult;
let pass: GateResult;
let hostile: GateResult;
let work: string;
let validateSarif: (document: unknown) => string | undefined;

const HOSTILE_SUMMARY =
  '</details><img src=x onerror=alert(1)> | @everyone see [this](https://evil.example) **now** <!-- #1 $x$ `code` ~~gone~~';
const HOSTILE_NAME = 'evil</failure><x a="1">&amp;\u0007\u001b[31m|name';

function exception(state: ExceptionOutcome['state'], expires: string, matched: Finding): ExceptionOutcome {
  return {
    id: matched.cves[0] ?? matched.id,
    package: matched.package.name,
    status: 'not_affected',
    justification: 'vulnerable_code_not_in_execute_path',
    approver: 'security@example.com',
    expires,
    state,
    matched: [{ finding: matched.id, package: matched.package.name, cves: matched.cves.slice(0, 1) }],
  };
}

function days(since: string): number {
  return Math.floor((Date.parse(EVALUATED_AT) - Date.parse(since)) / DAY_MS);
}

async function xmllint(args: string[]): Promise<{ ok: boolean; out: string }> {
  return run('xmllint', args).then(
    ({ stdout, stderr }) => ({ ok: true, out: `${stdout}${stderr}` }),
    (error: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
}

async function writeJunit(name: string, result: GateResult): Promise<string> {
  const file = join(work, `${name}.xml`);
  await writeFile(file, renderGateReport(result, 'junit'));
  return file;
}

describe.skipIf(!HAVE_SHARED)(
  HAVE_SHARED ? 'gate reports on a real scan' : 'gate reports (skipped: ../shared is absent)',
  () => {
    beforeAll(async () => {
      work = await tempDir('patchline-gate-report-');
      const { scan } = await realScan();
      const fixes = scan.findings.filter((finding) => finding.status === 'fix-available');
      const [first, second] = fixes;
      if (!first || !second) throw new Error('the real scan has no fix-available findings');
      fail = gateResultFrom(scan, {
        maxAgeDays: 30,
        evaluatedAt: EVALUATED_AT,
        exceptions: [exception('expired', '2026-08-31', first), exception('active', '2026-09-02', second)],
        forbidden: [
          {
            name: second.package.name,
            installed: second.package.installed,
            pattern: `${second.package.name.slice(0, 3)}*`,
          },
        ],
      });
      pass = gateResultFrom(scan, {
        maxAgeDays: 3650,
        evaluatedAt: EVALUATED_AT,
        exceptions: [exception('active', '2026-09-02', second)],
      });
      hostile = structuredClone(fail);
      const late = hostile.rules.find((rule) => rule.rule === 'fixes.maxAge')?.findings[0];
      if (!late) throw new Error('no late finding');
      late.summary = HOSTILE_SUMMARY;
      late.package.name = HOSTILE_NAME;
      late.fixedVersion = '1.0 | `x` <b>';
      const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
      addFormats.default(ajv);
      const check = ajv.compile(await sarifSchema());
      validateSarif = (document) => (check(document) ? undefined : ajv.errorsText(check.errors));
    }, 300_000);

    it('builds a failing and a passing verdict from the real scan', () => {
      expect(fail.verdict).toBe('fail');
      expect(pass.verdict).toBe('pass');
      const late = fail.rules.find((rule) => rule.rule === 'fixes.maxAge');
      expect(late?.outcome).toBe('fail');
      // Real work for the writers: hundreds of overdue fixes from the real advisories.
      expect(late?.findings.length).toBeGreaterThan(500);
    });

    describe('table', () => {
      it('gives the verdict, every rule with its outcome and message, and the exposure', () => {
        const text = renderGateReport(fail, 'table');
        expect(text.split('\n')[0]).toMatch(/^Gate FAIL: oci:/);
        for (const rule of fail.rules) {
          expect(text).toMatch(
            new RegExp(
              `^${rule.rule.replace('.', '\\.')}\\s+${rule.outcome}\\s+${rule.message.replace(/[()]/g, '\\$&')}$`,
              'm',
            ),
          );
        }
        const fixes = fail.scan.findings.filter((finding) => finding.status === 'fix-available');
        const oldest = fixes.reduce((a, b) =>
          Date.parse(b.fixAvailableSince ?? '') < Date.parse(a.fixAvailableSince ?? '') ? b : a,
        );
        expect(text).toContain(
          `Exposure: ${fixes.length} unshipped fixes; the oldest, ${oldest.id} for ${oldest.package.name}, available for ${days(oldest.fixAvailableSince ?? '')} days`,
        );
        expect(text.trimEnd().split('\n').at(-1)).toBe(
          'Verdict: FAIL: 3 of 5 rules failed (fixes.maxAge, packages.forbidden, exceptions)',
        );
        expect(renderGateReport(pass, 'table').trimEnd().split('\n').at(-1)).toBe(
          'Verdict: PASS: 5 rules checked, none failed',
        );
      });

      it('lists every finding behind the failing rule, oldest fix first, with how long each has been available', () => {
        const text = renderGateReport(fail, 'table');
        const late = fail.rules.find((rule) => rule.rule === 'fixes.maxAge')!;
        const rows = text
          .split('\n')
          .filter((line) => /\bfix-available\b.*available for \d+ days? \(since ~?\d{4}-\d\d-\d\d\)$/.test(line));
        expect(rows).toHaveLength(late.findings.length);
        const listed = rows.map((row) => {
          const match = /available for (\d+) days? \(since ~?(\d{4}-\d\d-\d\d)\)$/.exec(row)!;
          return { days: Number(match[1]), since: match[2]! };
        });
        const expected = [...late.findings]
          .map((finding) => finding.fixAvailableSince!)
          .sort((a, b) => Date.parse(a) - Date.parse(b));
        expect(listed.map((entry) => entry.since)).toEqual(expected.map((since) => since.slice(0, 10)));
        expect(listed.map((entry) => entry.days)).toEqual(expected.map(days));
        // Every one is past the 30 days the policy allows.
        expect(Math.min(...listed.map((entry) => entry.days))).toBeGreaterThanOrEqual(30);
      });

      it('shows the exceptions with their state and the forbidden package', () => {
        const text = renderGateReport(fail, 'table');
        const [expired, active] = fail.exceptions;
        expect(text).toMatch(
          new RegExp(
            `^${expired!.id}\\s+${expired!.package}\\s+not_affected\\s+EXPIRED\\s+2026-08-31\\s+security@example\\.com`,
            'm',
          ),
        );
        expect(text).toMatch(
          new RegExp(`^${active!.id}\\s+${active!.package}\\s+not_affected\\s+active\\s+2026-09-02`, 'm'),
        );
        const forbidden = fail.rules.find((rule) => rule.rule === 'packages.forbidden')!.packages[0]!;
        expect(text).toContain('packages.forbidden (fail): 1 package(s)');
        expect(text).toMatch(
          new RegExp(`^${forbidden.name}\\s+\\S+\\s+${forbidden.pattern!.replace('*', '\\*')}`, 'm'),
        );
      });

      it('keeps control characters out of the terminal', () => {
        const text = renderGateReport(hostile, 'table');
        expect(text).not.toContain('\u0007');
        expect(text).not.toContain('\u001b');
        expect(text).toContain('\\x07\\x1b[31m|name');
      });
    });

    describe('json', () => {
      it('is the GateResult, with the scan as `patchline scan --format json` prints it', () => {
        const document = JSON.parse(renderGateReport(fail, 'json'));
        expect(Object.keys(document)).toEqual([
          'apiVersion',
          'kind',
          'verdict',
          'evaluatedAt',
          'tool',
          'image',
          'policy',
          'database',
          'rules',
          'exceptions',
          'exposure',
          'scan',
        ]);
        const { scan: _scan, rules: _rules, ...rest } = fail;
        expect(document).toMatchObject(rest);
        expect(document.rules.map((rule: { rule: string; outcome: string }) => [rule.rule, rule.outcome])).toEqual(
          fail.rules.map((rule) => [rule.rule, rule.outcome]),
        );
        for (const [i, rule] of fail.rules.entries()) {
          expect(document.rules[i].findings.map((f: Finding) => `${f.id} ${f.package.name}`).sort()).toEqual(
            rule.findings.map((f) => `${f.id} ${f.package.name}`).sort(),
          );
        }
        expect(document.scan).toEqual(JSON.parse(scanJson(fail.scan)));
      });

      it('prints the same bytes whatever order the result object was built in', () => {
        const reversed = JSON.parse(JSON.stringify(fail), (_key, value) =>
          value && typeof value === 'object' && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).reverse())
            : value,
        ) as GateResult;
        expect(Object.keys(reversed)[0]).toBe('scan');
        expect(renderGateReport(reversed, 'json')).toBe(renderGateReport(fail, 'json'));
      });
    });

    describe('markdown', () => {
      it('heads with the verdict, has one row per rule and folds the findings in <details>', () => {
        const text = renderGateReport(fail, 'markdown');
        expect(text.split('\n')[0]).toBe('## ❌ Patchline gate: failed');
        expect(renderGateReport(pass, 'markdown').split('\n')[0]).toBe('## ✅ Patchline gate: passed');
        const rows = text
          .split('\n')
          .filter((line) => /^\| [a-z]+(\.[a-zA-Z]+)? \| /.test(line) && !line.startsWith('| Rule'));
        expect(rows.slice(0, fail.rules.length).map((row) => row.split(' | ')[0]!.slice(2))).toEqual(
          fail.rules.map((rule) => rule.rule),
        );
        expect((text.match(/<details/g) ?? []).length).toBe((text.match(/<\/details>/g) ?? []).length);
        expect(text).toContain(`<summary>fixes.maxAge (fail): ${fail.rules[1]!.findings.length} finding(s)</summary>`);
      });

      it('stays within a GitHub comment, keeping the oldest fixes and saying how many it leaves out', () => {
        const text = renderGateReport(fail, 'markdown');
        expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        const late = fail.rules[1]!.findings;
        const shown = text.split('\n').filter((line) => line.includes('| fix-available |')).length;
        expect(shown).toBeGreaterThan(0);
        expect(text).toContain(`…and ${late.length - shown} more`);
        const oldest = [...late].sort(
          (a, b) => Date.parse(a.fixAvailableSince!) - Date.parse(b.fixAvailableSince!),
        )[0]!;
        expect(text.split('\n').find((line) => line.includes('| fix-available |'))).toContain(
          `since ${oldest.fixAvailableSince!.slice(0, 10)}`,
        );
      });

      it('escapes markdown and HTML in names and summaries', () => {
        const text = renderGateReport(hostile, 'markdown');
        const row = text.split('\n').find((line) => line.includes('evil'))!;
        expect(row).not.toMatch(/<img|<\/details>|<!--|<b>|@everyone|(?<!\\)\]\(/);
        expect(row).toContain('&lt;img src=x onerror=alert(1)&gt;');
        expect(row).toContain('&#64;everyone');
        // The cell separators are the table's own: 7 cells, 8 pipes not preceded by a backslash.
        expect(row.match(/(?<!\\)\|/g)).toHaveLength(8);
        expect(row).not.toContain('\u0007');
        expect(row).not.toContain('\u001b');
        // Still only our own <details> blocks.
        expect((text.match(/<details/g) ?? []).length).toBe(
          (renderGateReport(fail, 'markdown').match(/<details/g) ?? []).length,
        );
      });
    });

    describe('junit', () => {
      it('validates against the Jenkins JUnit XSD, passing or failing, with hostile strings', async () => {
        for (const [name, result] of [
          ['fail', fail],
          ['pass', pass],
          ['hostile', hostile],
        ] as const) {
          const file = await writeJunit(name, result);
          const check = await xmllint(['--noout', '--schema', JUNIT_XSD, file]);
          expect(check.out).toContain('validates');
          expect(check.ok).toBe(true);
        }
        // The validator does reject what breaks the schema.
        const broken = join(work, 'broken.xml');
        await writeFile(broken, '<testsuites><testsuite><testcase/></testsuite></testsuites>\n');
        expect((await xmllint(['--noout', '--schema', JUNIT_XSD, broken])).ok).toBe(false);
      });

      it('has one test case per rule, a failure per failing rule listing its findings, and skips the rules left out', async () => {
        const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall('testsuite')
cases = suites[0].findall('testcase')
print(json.dumps({
  'root': root.tag, 'suites': len(suites), 'tests': suites[0].get('tests'), 'failures': suites[0].get('failures'),
  'cases': [[c.get('name'), [child.tag for child in c], (c.find('failure').text if c.find('failure') is not None else None), (c.find('failure').get('message') if c.find('failure') is not None else None)] for c in cases],
  'properties': {p.get('name'): p.get('value') for p in suites[0].find('properties')},
}))`;
        const parse = async (name: string, result: GateResult) => {
          const { stdout } = await run('/usr/bin/python3', ['-c', script, await writeJunit(name, result)], {
            maxBuffer: 64 * 1024 * 1024,
          });
          return JSON.parse(stdout) as {
            root: string;
            suites: number;
            tests: string;
            failures: string;
            cases: Array<[string, string[], string | null, string | null]>;
            properties: Record<string, string>;
          };
        };
        const parsed = await parse('fail', fail);
        expect([parsed.root, parsed.suites, parsed.tests, parsed.failures]).toEqual(['testsuites', 1, '9', '3']);
        expect(parsed.cases.map(([name]) => name)).toEqual(fail.rules.map((rule) => rule.rule));
        for (const [i, rule] of fail.rules.entries()) {
          const [, children, , message] = parsed.cases[i]!;
          const expected = { fail: ['failure'], 'not-configured': ['skipped'], report: ['system-out'], pass: [] }[
            rule.outcome
          ];
          expect(children).toEqual(expected);
          if (rule.outcome === 'fail') expect(message).toBe(rule.message);
        }
        const lateBody = parsed.cases[1]![2]!.split('\n');
        expect(lateBody).toHaveLength(fail.rules[1]!.findings.length);
        expect(parsed.cases.find(([name]) => name === 'exceptions')![2]).toContain(
          `${fail.exceptions[0]!.id} (${fail.exceptions[0]!.package}) expired 2026-08-31`,
        );
        expect(parsed.properties).toMatchObject({
          verdict: 'fail',
          'image.digest': fail.image.digest,
          'policy.digest': fail.policy.digest,
        });
        // The hostile package name comes back as written, its two control characters (not XML) as U+FFFD.
        const evil = (await parse('hostile', hostile)).cases[1]![2]!.split('\n')[0]!;
        expect(evil.startsWith(`${HOSTILE_NAME.replace('\u0007', '\uFFFD').replace('\u001b', '\uFFFD')}.`)).toBe(true);
      });
    });

    describe('sarif', () => {
      it('is valid SARIF 2.1.0: a rule per policy rule, a result per finding, package or expired exception behind a fail', () => {
        const document = JSON.parse(renderGateReport(fail, 'sarif'));
        expect(validateSarif(document)).toBeUndefined();
        const run = document.runs[0];
        expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(
          fail.rules.map((rule) => rule.rule),
        );
        const byRule = (id: string) => run.results.filter((result: { ruleId: string }) => result.ruleId === id);
        expect(byRule('fixes.maxAge')).toHaveLength(fail.rules[1]!.findings.length);
        expect(byRule('packages.forbidden')).toHaveLength(1);
        expect(byRule('exceptions')).toHaveLength(1);
        expect(run.results).toHaveLength(fail.rules[1]!.findings.length + 2);
        for (const result of run.results) {
          expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
          expect(result.level).toBe('error');
        }
        const fingerprints = run.results.map(
          (result: { partialFingerprints: Record<string, string> }) => Object.values(result.partialFingerprints)[0],
        );
        expect(new Set(fingerprints).size).toBe(fingerprints.length);
        expect(JSON.parse(renderGateReport(pass, 'sarif')).runs[0].results).toEqual([]);
        expect(validateSarif(JSON.parse(renderGateReport(hostile, 'sarif')))).toBeUndefined();
      });

      it("keeps a finding's fingerprint when its installed version changes", () => {
        const before = JSON.parse(renderGateReport(fail, 'sarif')).runs[0].results[0];
        const bumped = structuredClone(fail);
        const late = bumped.rules[1]!.findings;
        const target = late.find(
          (finding) => finding.id === before.properties.finding && finding.package.purl === before.properties.purl,
        )!;
        target.package.installed = `${target.package.installed}.1`;
        const after = JSON.parse(renderGateReport(bumped, 'sarif')).runs[0].results.find(
          (result: { properties: { purl: string; finding: string } }) =>
            result.properties.finding === before.properties.finding &&
            result.properties.purl === before.properties.purl,
        );
        expect(after.partialFingerprints).toEqual(before.partialFingerprints);
        const scanSarif = JSON.parse(renderGateReport(fail, 'sarif'));
        expect(scanSarif.runs[0].automationDetails.id).toMatch(/^patchline\/gate\//);
      });

      // Hostile text is checked on small documents in test/sarif-multitool.test.ts: the multitool takes minutes here.
      it("passes GitHub's ingestion rules (the SARIF multitool): the gate's verdicts and the real scan's SARIF", async () => {
        const documents: Record<string, string> = {
          'gate-fail.sarif': renderGateReport(fail, 'sarif'),
          'gate-pass.sarif': renderGateReport(pass, 'sarif'),
          'scan-real.sarif': sarifJson(fail.scan),
        };
        const files: string[] = [];
        for (const [name, text] of Object.entries(documents)) {
          files.push(join(work, name));
          await writeFile(join(work, name), text);
        }
        const results = await sarifMultitool(files, join(work, 'multitool.sarif'));
        const problems = results.filter((result) => result.level === 'error' || result.level === 'warning');
        expect(problems, describeMultitoolResults(problems)).toEqual([]);
        expect(new Set(results.map((result) => result.file))).toEqual(new Set(Object.keys(documents)));
      }, 300_000);
    });
    describe("with patchline's own evaluation of the real image", () => {
      let evaluated: GateResult;

      beforeAll(async () => {
        const { reference, dbPath, scan } = await realScan();
        const late = scan.findings.find((finding) => finding.status === 'fix-available')!;
        const other = scan.findings.find((finding) => finding.status === 'fix-available' && finding.id !== late.id)!;
        const policy = join(work, 'policy.yaml');
        await writeFile(
          policy,
          [
            'apiVersion: patchline.dev/v1',
            'kind: Policy',
            'metadata: {name: production}',
            'spec:',
            '  fixes: {maxAge: 30d}',
            `  packages: {forbidden: ['${other.package.name}']}`,
            '  exceptions:',
            `    - {id: '${late.id}', package: '${late.package.name}', status: not_affected, justification: vulnerable_code_not_in_execute_path, approver: security@example.com, expires: '2026-08-31'}`,
            `    - {id: '${other.id}', package: '${other.package.name}', status: not_affected, justification: inline_mitigations_already_exist, approver: security@example.com, expires: '2026-09-02'}`,
            '',
          ].join('\n'),
        );
        evaluated = await gateImage(reference, policy, { db: dbPath, now: SCANNED_AT });
      }, 300_000);

      it('renders every format valid: JUnit against its XSD, SARIF against its schema, the evidence against its own', async () => {
        expect(evaluated.verdict).toBe('fail');
        expect(evaluated.exceptions.map((exception) => exception.state)).toEqual(['expired', 'active']);
        const table = renderGateReport(evaluated, 'table');
        expect(table).toMatch(/^Verdict: FAIL: \d+ of \d+ rules? failed \(.*fixes\.maxAge.*\)$/m);
        expect(table).toMatch(/\sEXPIRED\s+2026-08-31\s/);
        const file = await writeJunit('evaluated', evaluated);
        expect((await xmllint(['--noout', '--schema', JUNIT_XSD, file])).ok).toBe(true);
        expect(validateSarif(JSON.parse(renderGateReport(evaluated, 'sarif')))).toBeUndefined();
        expect(renderGateReport(evaluated, 'markdown').length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(JSON.parse(renderGateReport(evaluated, 'json')).verdict).toBe('fail');
        const ajv = new Ajv2020({ allErrors: true });
        addFormats.default(ajv);
        const check = ajv.compile(JSON.parse(await readFile(`${projectRoot}schemas/gate-evidence-v1.json`, 'utf8')));
        expect(check(gateEvidence(evaluated)), ajv.errorsText(check.errors)).toBe(true);
      });
    });
  },
);

describe('a rule that reports without failing (unfixed: report)', () => {
  // The hand-built AlmaLinux 9 scan has one no-fix-yet finding (libcurl CVE-2024-2398) and no fix older than 10 years.
  const result = gateResultFrom(sampleScanResult(), { maxAgeDays: 3650 });

  it('passes the gate and is listed as a note in SARIF and on system-out in JUnit', () => {
    expect(result.verdict).toBe('pass');
    const unfixed = result.rules.find((rule) => rule.rule === 'unfixed')!;
    expect([unfixed.outcome, unfixed.findings.map((finding) => finding.id)]).toEqual(['report', ['CVE-2024-2398']]);
    const sarif = JSON.parse(renderGateReport(result, 'sarif')).runs[0].results;
    expect(sarif.map((entry: { ruleId: string; level: string }) => [entry.ruleId, entry.level])).toEqual([
      ['unfixed', 'note'],
    ]);
    expect(renderGateReport(result, 'junit')).toMatch(
      /<testcase name="unfixed" classname="patchline.gate" time="0">\n\s+<system-out>[^<]*libcurl\.x86_64 7\.76\.1-23\.el9_2\.2 CVE-2024-2398 \(no-fix-yet\)<\/system-out>/,
    );
    expect(renderGateReport(result, 'table')).toMatch(/^unfixed \(report\): 1 finding\(s\)$/m);
  });
});
