// What the benchmark's newest release of a fleet is made with, for the Release view's screenshot: a gate evidence
// document and an image diff from the previous release's image, both written by the built code (dist/) over a
// hand-made pair of scans (the shapes test/helpers/release-attachments.ts makes for the tests).

import { createHash } from 'node:crypto';
import { join } from 'node:path';

export async function releaseAttachments(root, repository, oldDigest, newDigest, now) {
  const { gateEvidence } = await import(join(root, 'dist/policy/evidence.js'));
  const { diffImages } = await import(join(root, 'dist/policy/image-diff.js'));
  const { releaseDiffOf } = await import(join(root, 'dist/report/release-diff.js'));
  const day = 86_400_000;
  const pkg = (name, version, release) => ({
    type: 'rpm',
    name,
    version,
    release,
    arch: 'x86_64',
    purl: `pkg:rpm/almalinux/${name}@${version}-${release}?arch=x86_64&distro=almalinux-9.4`,
    source: 'var/lib/rpm/rpmdb.sqlite',
  });
  const finding = (id, cves, p, status, fixed, sinceDays, severity) => ({
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
      : { fixAvailableSince: new Date(now - sinceDays * day).toISOString(), fixDateOrigin: 'published' }),
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
  const oldFindings = [
    finding(
      'ALSA-2024:2447',
      ['CVE-2023-5678', 'CVE-2024-0727'],
      before[0],
      'fix-available',
      '3.0.7-27.el9',
      41,
      'Moderate',
    ),
    finding('ALSA-2024:3501', ['CVE-2024-2398'], before[1], 'fix-available', '7.76.1-29.el9_4.1', 12, 'Moderate'),
    finding('ALSA-2024:2722', ['CVE-2024-2961'], before[2], 'fix-available', '2.34-100.el9_4.2', 23, 'Important'),
  ];
  const newFindings = [finding('CVE-2026-1234', ['CVE-2026-1234'], after[4], 'no-fix-yet')];
  const scan = (digest, findings) => ({
    target: { name: `docker://${repository}@${digest}`, digest, labels: {}, layers: [] },
    os: { id: 'almalinux', family: 'redhat', versionId: '9.4', prettyName: 'AlmaLinux 9.4', source: 'etc/os-release' },
    ecosystems: [{ ecosystem: 'AlmaLinux:9', source: 'osv' }],
    findings,
    suppressed: [],
    database: { path: 'advisories.db', snapshotId: 'bench-snapshot', builtAt: new Date(now - 3_600_000).toISOString() },
    packages: findings.length,
    scannedAt: new Date(now).toISOString(),
  });
  const inventory = (digest, packages) => ({
    target: { name: `docker://${repository}@${digest}`, digest, labels: {}, layers: [] },
    bootc: { bootc: true, evidence: [] },
    kernels: [],
    packages,
    databases: ['var/lib/rpm/rpmdb.sqlite'],
    problems: [],
    stats: {},
  });
  const oldScan = scan(oldDigest, oldFindings);
  const newScan = scan(newDigest, newFindings);
  const diff = diffImages(
    { inventory: inventory(oldDigest, before), scan: oldScan },
    { inventory: inventory(newDigest, after), scan: newScan },
  );
  const rule = (name, outcome, message) => ({ rule: name, outcome, message, inputs: {}, findings: [], packages: [] });
  const evidence = `${JSON.stringify(
    gateEvidence({
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
    }),
    null,
    2,
  )}\n`;
  return {
    digest: `sha256:${createHash('sha256').update(evidence).digest('hex')}`,
    attachments: { evidence, diff: JSON.stringify(releaseDiffOf(diff)) },
  };
}
