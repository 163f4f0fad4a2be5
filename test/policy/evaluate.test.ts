import { describe, expect, it } from 'vitest';
import type { DatabaseStatus } from '../../src/advisories/index.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import type { BaseLookup, GateInputs, KernelFacts } from '../../src/policy/gate-inputs.js';
import type { GateResult, RuleName, RuleResult } from '../../src/policy/gate-result.js';
import { parsePolicy } from '../../src/policy/load-policy.js';
import { sampleScanResult } from '../helpers/scan-results.js';
import { seededRandom } from '../helpers/seeded-random.js';

/*
 * The evaluation over a hand-built AlmaLinux 9 scan (test/helpers/scan-results.ts: fixes from 2023-10-18, 2024-04-30
 * and 2024-06-01, one no-fix-yet, one will-not-fix) with the clock injected. The expected outcomes follow from the
 * dates written in that helper and in each policy here, not from a previous run.
 */

const NOW = '2024-07-01T12:00:00Z';
const DAY = 86_400;

function policyText(spec: string): string {
  return `apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: test}\nspec:${spec === '' ? ' {}' : ''}\n${spec}`;
}

function database(lastSync = '2024-07-01T00:00:00Z', ecosystems = ['AlmaLinux:9']): DatabaseStatus {
  return {
    path: '/db',
    schemaVersion: 2,
    snapshotId: 'snap-1',
    builtAt: '2024-06-30T00:00:00Z',
    sources: [{ source: 'osv', origin: 'file', records: 10, affected: 20, lastSync, ecosystems }],
  };
}

// The least a policy may say (an empty one is refused): the default of the one rule that never fails.
const REPORT_ONLY = '  unfixed: report\n';

function inputs(spec: string, overrides: Partial<GateInputs> = {}): GateInputs {
  return {
    policy: { path: 'p.yaml', digest: 'sha256:00', policy: parsePolicy(policyText(spec), 'p.yaml') },
    scan: sampleScanResult(),
    image: {
      reference: 'oci:/img:1',
      digest: 'sha256:aa',
      created: '2024-06-25T00:00:00Z',
      labels: {},
      diffIds: ['sha256:l1', 'sha256:l2', 'sha256:l3'],
      bootc: true,
      packages: [
        { name: 'openssl-libs', sourceName: 'openssl', installed: '1:3.0.7-24.el9' },
        { name: 'bash', installed: '5.1.8-6.el9' },
        { name: 'gcc', installed: '11.4.1-3.el9' },
        { name: 'greenboot', installed: '0.15.4-1.el9' },
      ],
    },
    base: { kind: 'not-needed' },
    database: database(),
    kernel: { ecosystem: 'AlmaLinux:9', kernels: [] },
    toolVersion: '0.1.0',
    ...overrides,
  };
}

function rule(result: GateResult, name: RuleName): RuleResult {
  const found = result.rules.find((r) => r.rule === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

describe('fixes.maxAge and unfixed', () => {
  it('fails on fixes older than maxAge only, naming them, and passes when all are newer', () => {
    // bash's fix (2024-06-01) is 30.5 days old at NOW; curl's and openssl's are older.
    const result = evaluatePolicy(inputs('  fixes: {maxAge: 31d}\n'), NOW);
    const fixes = rule(result, 'fixes.maxAge');
    expect(fixes.outcome).toBe('fail');
    expect(fixes.findings.map((f) => f.id)).toEqual(['ALSA-2024:2447', 'ALSA-2023:5763']);
    expect(fixes.message).toContain('oldest: ALSA-2023:5763 for curl');
    expect(fixes.inputs).toMatchObject({ maxAgeSeconds: 31 * DAY, overdue: 2, withinMaxAge: 1 });
    expect(result.verdict).toBe('fail');
    const lenient = evaluatePolicy(inputs('  fixes: {maxAge: 1000d}\n'), NOW);
    expect(rule(lenient, 'fixes.maxAge').outcome).toBe('pass');
    expect(lenient.verdict).toBe('pass');
  });

  it('0 is strict: a fix published this very second fails', () => {
    const scan = sampleScanResult();
    scan.findings = scan.findings.filter((f) => f.id === 'ALSA-2024:3000');
    scan.findings[0]!.fixAvailableSince = NOW;
    expect(rule(evaluatePolicy(inputs('  fixes: {maxAge: 0}\n', { scan }), NOW), 'fixes.maxAge').outcome).toBe('fail');
    expect(rule(evaluatePolicy(inputs('  fixes: {maxAge: 1s}\n', { scan }), NOW), 'fixes.maxAge').outcome).toBe('pass');
  });

  it('reports unfixed findings by default and fails on them with unfixed: fail', () => {
    const reported = rule(evaluatePolicy(inputs('  fixes: {maxAge: 1000d}\n'), NOW), 'unfixed');
    expect(reported.outcome).toBe('report');
    expect(reported.findings.map((f) => f.status)).toEqual(['no-fix-yet', 'will-not-fix']);
    expect(evaluatePolicy(inputs('  fixes: {maxAge: 1000d}\n'), NOW).verdict).toBe('pass');
    const failing = evaluatePolicy(inputs('  unfixed: fail\n'), NOW);
    expect(rule(failing, 'unfixed').outcome).toBe('fail');
    expect(failing.verdict).toBe('fail');
  });

  it('summarises exposure: every unshipped fix and the oldest, a fix covered in part included', () => {
    const waive = (id: string) =>
      `    - {id: ${id}, status: accepted-risk, justification: j, approver: a, expires: 2025-01-01}\n`;
    // ALSA-2023:5763 fixes CVE-2023-38545 and CVE-2023-38546: one exception leaves the fix unshipped and counted.
    const result = evaluatePolicy(inputs(`${REPORT_ONLY}  exceptions:\n${waive('CVE-2023-38545')}`), NOW);
    expect(result.exposure).toEqual({
      unshippedFixes: 3,
      oldestFixAvailableSince: '2023-10-18T00:00:00.000Z',
      oldestFixAgeSeconds: (Date.parse(NOW) - Date.parse('2023-10-18T00:00:00Z')) / 1000,
      oldest: { finding: 'ALSA-2023:5763', package: 'curl' },
    });
    // Covered whole, the fix is suppressed and no longer counted.
    const both = evaluatePolicy(
      inputs(`${REPORT_ONLY}  exceptions:\n${waive('CVE-2023-38545')}${waive('CVE-2023-38546')}`),
      NOW,
    );
    expect(both.exposure.unshippedFixes).toBe(2);
    expect(both.exposure.oldest?.finding).not.toBe('ALSA-2023:5763');
  });
});

describe('exceptions', () => {
  const exception = (expires: string, extra = '') =>
    `  fixes: {maxAge: 31d}\n  exceptions:\n    - id: ALSA-2023:5763\n${extra}      status: not_affected\n      justification: vulnerable_code_not_in_execute_path\n      approver: sec@example.com\n      expires: "${expires}"\n`;

  it('one expiring tomorrow suppresses its finding; one that expired yesterday fails the gate and says so', () => {
    const active = evaluatePolicy(inputs(exception('2024-07-02')), NOW);
    expect(active.exceptions[0]).toMatchObject({
      state: 'active',
      matched: [{ finding: 'ALSA-2023:5763', package: 'curl', cves: ['CVE-2023-38545', 'CVE-2023-38546'] }],
    });
    expect(rule(active, 'exceptions').outcome).toBe('pass');
    expect(rule(active, 'fixes.maxAge').findings.map((f) => f.id)).toEqual(['ALSA-2024:2447']);
    expect(active.scan.findings.some((f) => f.id === 'ALSA-2023:5763')).toBe(false);
    expect(active.scan.suppressed.find((s) => s.finding.id === 'ALSA-2023:5763')?.statement).toMatchObject({
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    });

    const expired = evaluatePolicy(inputs(exception('2024-06-30')), NOW);
    expect(expired.exceptions[0]!.state).toBe('expired');
    const failed = rule(expired, 'exceptions');
    expect(failed.outcome).toBe('fail');
    expect(failed.message).toContain('ALSA-2023:5763 (expired 2024-06-30, approved by sec@example.com)');
    // The finding it no longer covers counts again.
    expect(rule(expired, 'fixes.maxAge').findings.map((f) => f.id)).toContain('ALSA-2023:5763');
  });

  it('expires at the instant given: a date is its start in UTC, a date-time is exact', () => {
    expect(evaluatePolicy(inputs(exception('2024-07-01')), NOW).exceptions[0]!.state).toBe('expired');
    expect(evaluatePolicy(inputs(exception('2024-07-01T12:00:01Z')), NOW).exceptions[0]!.state).toBe('active');
    expect(evaluatePolicy(inputs(exception('2024-07-01T14:00:00+02:00')), NOW).exceptions[0]!.state).toBe('expired');
  });

  it('limits an exception to packages matching its glob, and reports one matching nothing as unused', () => {
    expect(evaluatePolicy(inputs(exception('2025-01-01', '      package: curl*\n')), NOW).exceptions[0]!.state).toBe(
      'active',
    );
    const other = evaluatePolicy(inputs(exception('2025-01-01', '      package: openssl*\n')), NOW);
    expect(other.exceptions[0]!.state).toBe('unused');
    expect(rule(other, 'exceptions').outcome).toBe('pass');
  });
});

describe('image, base, packages, kernel and database rules', () => {
  it('image.maxAge: measured from created; an image without created fails closed', () => {
    expect(rule(evaluatePolicy(inputs('  image: {maxAge: 7d}\n'), NOW), 'image.maxAge').outcome).toBe('pass');
    expect(rule(evaluatePolicy(inputs('  image: {maxAge: 6d}\n'), NOW), 'image.maxAge').outcome).toBe('fail');
    const base = inputs('  image: {maxAge: 7d}\n');
    delete base.image.created;
    const missing = rule(evaluatePolicy(base, NOW), 'image.maxAge');
    expect(missing).toMatchObject({ outcome: 'fail', message: expect.stringContaining('no created time') });
    // SOURCE_DATE_EPOCH=0: the epoch is no build time, and the message says what to do rather than "55 years old".
    base.image.created = '1970-01-01T00:00:00Z';
    const epoch = rule(evaluatePolicy(base, NOW), 'image.maxAge');
    expect(epoch).toMatchObject({ outcome: 'fail', inputs: { ageSeconds: null } });
    expect(epoch.message).toMatch(/Unix epoch .*SOURCE_DATE_EPOCH=0 .*so its age is unknown/);
    base.image.created = 'last tuesday';
    expect(rule(evaluatePolicy(base, NOW), 'image.maxAge').message).toContain(
      'an unreadable created time (last tuesday)',
    );
  });

  it('base.mustBeLatest: by label digest, by layer prefix, and closed on lookup errors', () => {
    const spec = '  base: {mustBeLatest: true}\n';
    const found = (extra: Partial<Extract<BaseLookup, { kind: 'found' }>>): BaseLookup => ({
      kind: 'found',
      reference: 'r.example/base:1',
      from: 'label',
      tagDigests: ['sha256:index', 'sha256:manifest'],
      diffIds: ['sha256:l1'],
      ...extra,
    });
    const outcome = (base: BaseLookup) =>
      rule(evaluatePolicy(inputs(spec, { base }), NOW), 'base.mustBeLatest').outcome;
    expect(outcome(found({ expectedDigest: 'sha256:manifest' }))).toBe('pass');
    expect(outcome(found({ expectedDigest: 'sha256:index' }))).toBe('pass');
    expect(outcome(found({ expectedDigest: 'sha256:older' }))).toBe('fail');
    expect(outcome(found({ diffIds: ['sha256:l1', 'sha256:l2'] }))).toBe('pass');
    expect(outcome(found({ diffIds: ['sha256:new'] }))).toBe('fail');
    expect(outcome(found({ diffIds: [] }))).toBe('fail');
    expect(outcome({ kind: 'error', reference: 'r.example/base:1', problem: 'manifest unknown' })).toBe('fail');
    expect(outcome({ kind: 'unknown', reason: 'no label' })).toBe('fail');
    expect(rule(evaluatePolicy(inputs(REPORT_ONLY), NOW), 'base.mustBeLatest').outcome).toBe('not-configured');
  });

  it('packages: forbidden globs present fail, required globs missing fail', () => {
    const result = evaluatePolicy(
      inputs(
        '  packages:\n    forbidden: ["gcc*", "clang"]\n    required: [greenboot, "greenboot-default-*", "bash"]\n',
      ),
      NOW,
    );
    expect(rule(result, 'packages.forbidden')).toMatchObject({
      outcome: 'fail',
      packages: [{ name: 'gcc', installed: '11.4.1-3.el9', pattern: 'gcc*' }],
    });
    expect(rule(result, 'packages.required')).toMatchObject({
      outcome: 'fail',
      packages: [{ name: 'greenboot-default-*', pattern: 'greenboot-default-*' }],
    });
    const clean = evaluatePolicy(inputs('  packages:\n    forbidden: [clang]\n    required: ["green*"]\n'), NOW);
    expect(rule(clean, 'packages.forbidden').outcome).toBe('pass');
    expect(rule(clean, 'packages.required').outcome).toBe('pass');
  });

  it('kernel.mustBeLatest: compares in the package scheme, fails on unowned kernels and kernel-less bootc images', () => {
    const kernel = (installed: string, newest?: string): KernelFacts => ({
      ecosystem: 'AlmaLinux:9',
      kernels: [
        {
          version: '5.14.0-427.13.1.el9_4.x86_64',
          path: 'usr/lib/modules/5.14.0-427.13.1.el9_4.x86_64/vmlinuz',
          location: 'modules',
          package: { name: 'kernel-core', installed, scheme: 'rpm' },
          ...(newest ? { newest: { version: newest, advisory: 'ALSA-2024:9999' } } : {}),
        },
      ],
    });
    const spec = '  kernel: {mustBeLatest: true}\n';
    const run = (k: KernelFacts) => rule(evaluatePolicy(inputs(spec, { kernel: k }), NOW), 'kernel.mustBeLatest');
    // rpm order, not string order: 427.13.1 < 427.100.1 (python3-rpm's labelCompare agrees).
    expect(run(kernel('5.14.0-427.13.1.el9_4', '5.14.0-427.100.1.el9_4'))).toMatchObject({
      outcome: 'fail',
      packages: [{ name: 'kernel-core', installed: '5.14.0-427.13.1.el9_4', latest: '5.14.0-427.100.1.el9_4' }],
    });
    expect(run(kernel('5.14.0-427.13.1.el9_4', '5.14.0-427.13.1.el9_4')).outcome).toBe('pass');
    expect(run(kernel('5.14.0-503.1.1.el9_5', '5.14.0-427.13.1.el9_4')).outcome).toBe('pass');
    expect(run(kernel('5.14.0-427.13.1.el9_4')).outcome).toBe('pass');
    const unowned = kernel('x');
    delete unowned.kernels[0]!.package;
    expect(run(unowned).outcome).toBe('fail');
    expect(run({ ecosystem: 'AlmaLinux:9', kernels: [] }).outcome).toBe('fail');
  });

  it('database: fails closed on a missing source even without maxAge, and on stale data with it', () => {
    const missing = evaluatePolicy(inputs(REPORT_ONLY, { database: database(undefined, ['Debian:12']) }), NOW);
    expect(rule(missing, 'database.maxAge')).toMatchObject({
      outcome: 'fail',
      message: expect.stringContaining('holds no data for AlmaLinux:9'),
    });
    expect(missing.verdict).toBe('fail');
    const stale = evaluatePolicy(
      inputs('  database: {maxAge: 24h}\n', { database: database('2024-06-30T11:59:59Z') }),
      NOW,
    );
    expect(rule(stale, 'database.maxAge').outcome).toBe('fail');
    expect(stale.database.ageSeconds).toBe(DAY + 1);
    const fresh = evaluatePolicy(
      inputs('  database: {maxAge: 24h}\n', { database: database('2024-06-30T12:00:00Z') }),
      NOW,
    );
    expect(rule(fresh, 'database.maxAge').outcome).toBe('pass');
    const noOs = inputs(REPORT_ONLY);
    delete noOs.scan.os;
    expect(rule(evaluatePolicy(noOs, NOW), 'database.maxAge').outcome).toBe('fail');
  });

  it('records every rule, in the order of the document, with not-configured ones', () => {
    const result = evaluatePolicy(inputs(REPORT_ONLY), NOW);
    expect(result.rules.map((r) => [r.rule, r.outcome])).toEqual([
      ['database.maxAge', 'pass'],
      ['fixes.maxAge', 'not-configured'],
      ['unfixed', 'report'],
      ['image.maxAge', 'not-configured'],
      ['base.mustBeLatest', 'not-configured'],
      ['packages.forbidden', 'not-configured'],
      ['packages.required', 'not-configured'],
      ['kernel.mustBeLatest', 'not-configured'],
      ['compliance', 'not-configured'],
      ['exceptions', 'not-configured'],
    ]);
    expect(result).toMatchObject({
      verdict: 'pass',
      evaluatedAt: '2024-07-01T12:00:00.000Z',
      policy: { name: 'test' },
    });
  });
});

describe('severity never decides', () => {
  const SEVERITIES = [
    undefined,
    'Critical',
    'Important',
    'Moderate',
    'Low',
    'none',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    '10.0',
    '',
  ];
  const SPECS = [
    '  fixes: {maxAge: 0}\n',
    '  fixes: {maxAge: 31d}\n  unfixed: fail\n',
    '  fixes: {maxAge: 400d}\n  exceptions:\n    - {id: CVE-2024-2398, status: under_investigation, justification: j, approver: a, expires: 2024-08-01}\n',
    '  unfixed: report\n  packages: {forbidden: [gcc]}\n',
  ];

  /** Everything a rule decided and said, minus the findings' own severity fields (the only thing changed). */
  function decisions(result: GateResult): unknown {
    return {
      verdict: result.verdict,
      rules: result.rules.map((r) => ({ ...r, findings: r.findings.map((f) => `${f.id} ${f.package.name}`) })),
      exceptions: result.exceptions,
      exposure: result.exposure,
    };
  }

  it('randomly changing only the severity fields of findings never changes a verdict or a rule outcome', () => {
    const random = seededRandom(20261122);
    for (const spec of SPECS) {
      const reference = decisions(evaluatePolicy(inputs(spec), NOW));
      for (let round = 0; round < 200; round++) {
        const scan = sampleScanResult();
        for (const finding of [...scan.findings, ...scan.suppressed.map((s) => s.finding)]) {
          const severity = SEVERITIES[Math.floor(random() * SEVERITIES.length)];
          if (severity === undefined) delete finding.severity;
          else finding.severity = severity;
        }
        expect(decisions(evaluatePolicy(inputs(spec, { scan }), NOW))).toEqual(reference);
      }
    }
  });
});
