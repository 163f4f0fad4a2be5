import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { DatabaseStatus } from '../src/advisories/index.js';
import { evaluatePolicy, type GateInputs, POLICY_RULES, parsePolicy, RULE_REPORTS } from '../src/policy/index.js';
import { renderGateReport } from '../src/report/index.js';
import { projectRoot } from './helpers/cli.js';
import { sampleScanResult } from './helpers/scan-results.js';

// Every registered policy rule has its section in the published policy schema and the evidence schema, an evaluation
// that reports each rule it declares (not-configured when its section is absent, judged when its example is set),
// and its names in the SARIF report.
const NOW = '2024-07-01T12:00:00Z';

const database: DatabaseStatus = {
  path: '/db',
  schemaVersion: 2,
  snapshotId: 'snap-1',
  builtAt: '2024-06-30T00:00:00Z',
  sources: [
    {
      source: 'osv',
      origin: 'file',
      records: 10,
      affected: 20,
      lastSync: '2024-07-01T00:00:00Z',
      ecosystems: ['AlmaLinux:9'],
    },
  ],
};

function inputs(spec: Record<string, unknown>): GateInputs {
  const text = stringify({ apiVersion: 'patchline.dev/v1', kind: 'Policy', metadata: { name: 'test' }, spec });
  return {
    policy: { path: 'p.yaml', digest: 'sha256:00', policy: parsePolicy(text, 'p.yaml') },
    scan: sampleScanResult(),
    image: {
      reference: 'oci:/img:1',
      digest: 'sha256:aa',
      created: '2024-06-25T00:00:00Z',
      labels: {},
      diffIds: ['sha256:l1'],
      bootc: true,
      packages: [{ name: 'bash', installed: '5.1.8-6.el9' }],
    },
    base: { kind: 'not-needed' },
    database,
    kernel: { ecosystem: 'AlmaLinux:9', kernels: [] },
    toolVersion: '0.1.0',
  };
}

const names = RULE_REPORTS.map((report) => report.name);

describe('the policy rule registry', () => {
  it('names each section and each rule once', () => {
    const keys = POLICY_RULES.map((rule) => rule.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(names).size).toBe(names.length);
  });

  it('publishes every section in schemas/policy-v1.json and every rule name in schemas/gate-evidence-v1.json', async () => {
    const policy = JSON.parse(await readFile(join(projectRoot, 'schemas/policy-v1.json'), 'utf8'));
    expect(Object.keys(policy.properties.spec.properties).sort()).toEqual(POLICY_RULES.map((rule) => rule.key).sort());
    const evidence = await readFile(join(projectRoot, 'schemas/gate-evidence-v1.json'), 'utf8');
    for (const name of names) expect(evidence).toContain(JSON.stringify(name));
  });

  it('gives each rule a SARIF name that is one Pascal-case word other than its id, and a help sentence', () => {
    for (const report of RULE_REPORTS) {
      expect(report.title).toMatch(/^([A-Z][a-z]+)+$/);
      expect(report.title.toLowerCase()).not.toBe(report.name.toLowerCase());
      expect(report.help).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('evaluates every rule it declares, in registry order, each not-configured when its section is absent', () => {
    // The least a policy may say (an empty one is refused): unfixed, the rule that reports by default.
    const result = evaluatePolicy(inputs({ unfixed: 'report' }), NOW);
    expect(result.rules.map((rule) => rule.rule)).toEqual(names);
    // database.maxAge is judged whatever the policy says: a scan against no data must not pass (it fails closed).
    const alwaysJudged = ['unfixed', 'database.maxAge'];
    for (const rule of result.rules.filter((each) => !alwaysJudged.includes(each.rule))) {
      expect(rule.outcome, rule.rule).toBe('not-configured');
    }
  });

  for (const rule of POLICY_RULES) {
    it(`${rule.key}: its example is a valid section that its rules judge, and reports show them`, () => {
      const result = evaluatePolicy(inputs({ unfixed: 'report', [rule.key]: rule.example }), NOW);
      for (const report of rule.reports) {
        const judged = result.rules.find((each) => each.rule === report.name);
        expect(judged?.outcome, report.name).not.toBe('not-configured');
      }
      const sarif = JSON.parse(renderGateReport(result, 'sarif'));
      const sarifRules = sarif.runs[0].tool.driver.rules as Array<{ id: string; name: string }>;
      for (const report of rule.reports) {
        expect(sarifRules.find((each) => each.id === report.name)?.name).toBe(report.title);
      }
    });
  }
});
