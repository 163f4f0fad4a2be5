// What the benchmark's newest release of a fleet is made with, for the Release view's screenshot: a gate evidence
// document and an image diff from the previous release's image, written by the project's code over a hand-made pair
// of scans (test/helpers/release-attachments.ts makes the tests' pair; it reaches vitest, which a bench cannot load).

import { createHash } from 'node:crypto';
import type { Inventory } from '../../src/inventory/inventory-types.js';
import type { Package } from '../../src/inventory/package.js';
import type { Digest } from '../../src/oci/digest.js';
import { gateEvidence } from '../../src/policy/evidence.js';
import type { RuleName, RuleOutcome, RuleResult } from '../../src/policy/gate-result.js';
import { diffImages } from '../../src/policy/image-diff.js';
import { releaseDiffOf } from '../../src/report/release-diff.js';
import type { Finding, FindingStatus, ScanResult } from '../../src/scan/index.js';
import type { ReleaseAttachments } from '../../src/store/index.js';

const DAY = 86_400_000;

export function releaseAttachments(
  repository: string,
  oldDigest: string,
  newDigest: string,
  now: number,
): { digest: string; attachments: ReleaseAttachments } {
  const pkg = (name: string, version: string, release: string): Package => ({
    type: 'rpm',
    name,
    version,
    release,
    arch: 'x86_64',
    purl: `pkg:rpm/almalinux/${name}@${version}-${release}?arch=x86_64&distro=almalinux-9.4`,
    source: 'var/lib/rpm/rpmdb.sqlite',
  });
  const finding = (
    id: string,
    cves: string[],
    p: Package,
    status: FindingStatus,
    fixed?: string,
    sinceDays?: number,
    severity?: string,
  ): Finding => ({
    id,
    aliases: cves,
    cves,
    package: { ...p, installed: `${p.version}-${p.release}` },
    scheme: 'rpm',
    status,
    source: { format: 'osv', ecosystem: 'AlmaLinux:9' },
    references: [],
    ...(fixed === undefined ? {} : { fixedVersion: fixed }),
    ...(sinceDays === undefined
      ? {}
      : { fixAvailableSince: new Date(now - sinceDays * DAY).toISOString(), fixDateOrigin: 'published' as const }),
    ...(severity === undefined ? {} : { severity }),
  });
  const before = [
    pkg('openssl-libs', '3.0.7', '24.el9'),
    pkg('curl', '7.76.1', '29.el9_4'),
    pkg('glibc', '2.34', '100.el9'),
    pkg('kernel-core', '5.14.0', '427.13.1.el9_4'),
  ];
  const after = [
    pkg('openssl-libs', '3.0.7', '27.el9'),
    pkg('curl', '7.76.1', '29.el9_4.1'),
    pkg('glibc', '2.34', '100.el9_4.2'),
    pkg('kernel-core', '5.14.0', '427.13.1.el9_4'),
    pkg('jq', '1.6', '17.el9'),
  ];
  const [openssl, curl, glibc] = before as [Package, Package, Package];
  const oldFindings = [
    finding(
      'ALSA-2024:2447',
      ['CVE-2023-5678', 'CVE-2024-0727'],
      openssl,
      'fix-available',
      '3.0.7-27.el9',
      41,
      'Moderate',
    ),
    finding('ALSA-2024:3501', ['CVE-2024-2398'], curl, 'fix-available', '7.76.1-29.el9_4.1', 12, 'Moderate'),
    finding('ALSA-2024:2722', ['CVE-2024-2961'], glibc, 'fix-available', '2.34-100.el9_4.2', 23, 'Important'),
  ];
  const newFindings = [finding('CVE-2026-1234', ['CVE-2026-1234'], after[4] as Package, 'no-fix-yet')];
  const target = (digest: string) => ({
    name: `docker://${repository}@${digest}`,
    digest: digest as Digest,
    labels: {},
    layers: [],
  });
  const scan = (digest: string, findings: Finding[]): ScanResult => ({
    target: target(digest),
    os: { id: 'almalinux', family: 'redhat', versionId: '9.4', prettyName: 'AlmaLinux 9.4', source: 'etc/os-release' },
    ecosystems: [{ ecosystem: 'AlmaLinux:9', source: 'osv' }],
    findings,
    suppressed: [],
    database: { path: 'advisories.db', snapshotId: 'bench-snapshot', builtAt: new Date(now - 3_600_000).toISOString() },
    packages: findings.length,
    scannedAt: new Date(now).toISOString(),
  });
  const inventory = (digest: string, packages: Package[]): Inventory => ({
    target: target(digest),
    bootc: { bootc: true, evidence: [] },
    kernels: [],
    packages,
    databases: ['var/lib/rpm/rpmdb.sqlite'],
    problems: [],
    stats: {} as Inventory['stats'],
  });
  const newScan = scan(newDigest, newFindings);
  const diff = diffImages(
    { inventory: inventory(oldDigest, before), scan: scan(oldDigest, oldFindings) },
    { inventory: inventory(newDigest, after), scan: newScan },
  );
  const rule = (name: RuleName, outcome: RuleOutcome, message: string): RuleResult => ({
    rule: name,
    outcome,
    message,
    inputs: {},
    findings: [],
    packages: [],
  });
  const record = gateEvidence({
    apiVersion: 'patchline.dev/v1',
    kind: 'GateResult',
    verdict: 'pass',
    evaluatedAt: new Date(now).toISOString(),
    tool: { name: 'patchline', version: 'bench' },
    image: { reference: `${repository}@${newDigest}`, digest: newDigest },
    policy: { path: 'policies/production.yaml', digest: `sha256:${'ab'.repeat(32)}`, name: 'production' },
    database: { path: 'advisories.db', snapshotId: 'bench-snapshot', ageSeconds: 3600, sources: ['osv AlmaLinux:9'] },
    rules: [
      rule('database.maxAge', 'pass', 'advisory snapshot bench-snapshot is 1h old, within 72h'),
      rule('fixes.maxAge', 'pass', '0 of 0 available fix(es) older than 14d are not in the image'),
      rule('unfixed', 'report', '1 finding(s) without a published fix'),
      rule('packages.forbidden', 'pass', 'no forbidden package'),
    ],
    exceptions: [],
    exposure: { unshippedFixes: 0 },
    scan: newScan,
  });
  const evidence = `${JSON.stringify(record, null, 2)}\n`;
  return {
    digest: `sha256:${createHash('sha256').update(evidence).digest('hex')}`,
    attachments: { evidence, diff: JSON.stringify(releaseDiffOf(diff)) },
  };
}
