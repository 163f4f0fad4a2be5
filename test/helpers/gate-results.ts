import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AdvisoryDatabase } from '../../src/advisories/database.js';
import { importPaths } from '../../src/advisories/import-paths.js';
import type { ExceptionOutcome, GateResult, RuleName, RulePackage, RuleResult } from '../../src/policy/gate-result.js';
import type { Finding, ScanResult } from '../../src/scan/finding.js';
import { scanImage } from '../../src/scan/index.js';
import { makeLayoutImage } from './images.js';
import { goRpmdbTestdata } from './rpmdb.js';
import { tempDir } from './tmp.js';

/*
 * GateResults for the gate's report writers and evidence, made from a real scan: go-rpmdb's real CentOS 8.2 rpm
 * database (400+ packages, modular ones included) in an OCI layout labelled AlmaLinux 8, matched against the complete
 * real AlmaLinux OSV database imported by the real importer (the same image test/scan-almalinux.test.ts checks
 * against a python3-rpm oracle). The rules are worked out here from the scan's own findings with the policy's plain
 * meaning (a fix older than maxAge fails), not by src/policy's evaluation, which these writers must not depend on.
 */

export const SHARED = resolve(import.meta.dirname, '../../../shared');
export const HAVE_SHARED = existsSync(SHARED);
const TARBALL = join(SHARED, 'fixtures/vuln/osv-almalinux/almalinux-osv-database.tar.gz');

const ALMALINUX_8_OS_RELEASE = `NAME="AlmaLinux"
VERSION="8.10 (Cerulean Leopard)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="8.10"
PLATFORM_ID="platform:el8"
PRETTY_NAME="AlmaLinux 8.10 (Cerulean Leopard)"
`;

export const SCANNED_AT = '2026-09-01T00:00:00Z';

export interface RealScan {
  scan: ScanResult;
  /** The OCI layout's reference (`oci:DIR:latest`). */
  reference: string;
  dbPath: string;
}

let pending: Promise<RealScan> | undefined;

/** The real scan, made once per test file. */
export function realScan(): Promise<RealScan> {
  pending ??= makeRealScan();
  return pending;
}

async function makeRealScan(): Promise<RealScan> {
  const work = await tempDir('patchline-gate-scan-');
  const testdata = await goRpmdbTestdata();
  const image = await makeLayoutImage(work, 'image', [
    [{ name: 'var/lib/rpm/Packages', content: await readFile(join(testdata, 'centos8-modularitylabel', 'Packages')) }],
    [{ name: 'etc/os-release', content: ALMALINUX_8_OS_RELEASE }],
  ]);
  const dbPath = join(work, 'advisories.db');
  const db = AdvisoryDatabase.open(dbPath);
  try {
    const imported = await importPaths(db, [TARBALL], { at: '2026-08-21T00:00:00.000Z' });
    if (imported.problems.length > 0) throw new Error(`import problems: ${JSON.stringify(imported.problems[0])}`);
  } finally {
    db.close();
  }
  const scan = await scanImage(image.ref, { db: dbPath, now: SCANNED_AT });
  return { scan, reference: image.ref, dbPath };
}

export interface GateOptions {
  /** fixes.maxAge in days. */
  maxAgeDays: number;
  exceptions?: ExceptionOutcome[];
  /** packages.forbidden hits. */
  forbidden?: RulePackage[];
  evaluatedAt?: string;
  policyDigest?: string;
  /** Leave the image without a digest (a `containers-storage:` name, say). */
  noDigest?: boolean;
}

const DAY = 86_400;

/** A GateResult for the scan under a policy with the given fixes.maxAge, exceptions and forbidden packages. */
export function gateResultFrom(scan: ScanResult, options: GateOptions): GateResult {
  const now = options.evaluatedAt ?? scan.scannedAt;
  const ageOf = (finding: Finding) =>
    finding.fixAvailableSince ? (Date.parse(now) - Date.parse(finding.fixAvailableSince)) / 1000 : 0;
  const fixes = scan.findings.filter((finding) => finding.status === 'fix-available');
  const late = fixes.filter((finding) => ageOf(finding) > options.maxAgeDays * DAY);
  const unfixed = scan.findings.filter((finding) => finding.status === 'no-fix-yet');
  const exceptions = options.exceptions ?? [];
  const expired = exceptions.filter((exception) => exception.state === 'expired');
  const forbidden = options.forbidden ?? [];
  const rule = (name: RuleName, fields: Partial<RuleResult> & Pick<RuleResult, 'outcome' | 'message'>): RuleResult => ({
    rule: name,
    inputs: {},
    findings: [],
    packages: [],
    ...fields,
  });
  const oldest = [...fixes]
    .filter((finding) => finding.fixAvailableSince)
    .sort((a, b) => Date.parse(a.fixAvailableSince ?? '') - Date.parse(b.fixAvailableSince ?? ''))[0];
  const rules: RuleResult[] = [
    rule('database.maxAge', {
      outcome: 'pass',
      message: `advisory snapshot ${scan.database.snapshotId} is within 72h`,
      inputs: { maxAge: 72 * 3600, age: scan.database.ageSeconds ?? null },
    }),
    rule('fixes.maxAge', {
      outcome: late.length > 0 ? 'fail' : 'pass',
      message: `${late.length} of ${fixes.length} available fix(es) older than ${options.maxAgeDays}d are not in the image`,
      inputs: { maxAge: options.maxAgeDays * DAY, fixesAvailable: fixes.length, overdue: late.length },
      findings: late,
    }),
    rule('unfixed', {
      outcome: unfixed.length > 0 ? 'report' : 'pass',
      message: `${unfixed.length} finding(s) without a published fix`,
      inputs: { mode: 'report', count: unfixed.length },
      findings: unfixed,
    }),
    rule('image.maxAge', { outcome: 'not-configured', message: 'not configured' }),
    rule('base.mustBeLatest', { outcome: 'not-configured', message: 'not configured' }),
    rule('packages.forbidden', {
      outcome: forbidden.length > 0 ? 'fail' : 'pass',
      message: forbidden.length > 0 ? `${forbidden.length} forbidden package(s) installed` : 'no forbidden package',
      inputs: { patterns: forbidden.map((pkg) => pkg.pattern ?? pkg.name) },
      packages: forbidden,
    }),
    rule('packages.required', { outcome: 'not-configured', message: 'not configured' }),
    rule('kernel.mustBeLatest', { outcome: 'not-configured', message: 'not configured' }),
    rule('exceptions', {
      outcome: expired.length > 0 ? 'fail' : 'pass',
      message:
        expired.length > 0 ? `${expired.length} exception(s) expired` : `${exceptions.length} exception(s) in force`,
      inputs: { exceptions: exceptions.length, expired: expired.length },
    }),
  ];
  const failed = rules.some((entry) => entry.outcome === 'fail');
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'GateResult',
    verdict: failed ? 'fail' : 'pass',
    evaluatedAt: now,
    tool: { name: 'patchline', version: '0.1.0' },
    image: {
      reference: scan.target.name,
      ...(scan.target.digest && !options.noDigest ? { digest: scan.target.digest } : {}),
      ...(scan.target.created ? { created: scan.target.created } : {}),
    },
    policy: {
      path: 'policies/production.yaml',
      digest: options.policyDigest ?? `sha256:${'ab'.repeat(32)}`,
      name: 'production',
    },
    database: {
      path: scan.database.path,
      snapshotId: scan.database.snapshotId,
      ...(scan.database.builtAt ? { builtAt: scan.database.builtAt } : {}),
      ...(scan.database.ageSeconds === undefined ? {} : { ageSeconds: scan.database.ageSeconds }),
      sources: scan.ecosystems.map((entry) => `${entry.source} ${entry.ecosystem}`),
    },
    rules,
    exceptions,
    exposure: {
      unshippedFixes: fixes.length,
      ...(oldest?.fixAvailableSince
        ? {
            oldestFixAvailableSince: oldest.fixAvailableSince,
            oldestFixAgeSeconds: Math.floor(ageOf(oldest)),
            oldest: { finding: oldest.id, package: oldest.package.name },
          }
        : {}),
    },
    scan,
  };
}
