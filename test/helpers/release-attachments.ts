import type { Inventory } from '../../src/inventory/inventory-types.js';
import type { Package } from '../../src/inventory/package.js';
import type { Digest } from '../../src/oci/digest.js';
import { gateEvidence } from '../../src/policy/evidence.js';
import { diffImages } from '../../src/policy/image-diff.js';
import type { ImageDiffJson } from '../../src/report/diff-json.js';
import type { Finding, ScanResult } from '../../src/scan/finding.js';
import { gateResultFrom } from './gate-results.js';
import { finding, sampleScanResult } from './scan-results.js';

/**
 * What a release is made with, from the project's own code over a hand-built pair of images: OLD is
 * sampleScanResult's image; NEW upgrades curl and openssl-libs to their fixed versions and adds jq, which brings a
 * finding without a fix. The diff is what `patchline diff -f json` writes for them; the evidence what `patchline
 * gate --evidence` writes for NEW.
 */
export interface ReleaseFixture {
  oldDigest: string;
  newDigest: string;
  /** The evidence document's text, as written to a file. */
  evidence: string;
  diff: ImageDiffJson;
}

export const FIXTURE_REPOSITORY = 'registry.example.com/os/base';

export function releaseFixture(oldDigest: string, newDigest: string): ReleaseFixture {
  const old = withDigest(sampleScanResult(), oldDigest);
  const fixed = new Set(['curl', 'openssl-libs']);
  const jq = finding({
    id: 'CVE-2026-1234',
    aliases: [],
    cves: ['CVE-2026-1234'],
    name: 'jq',
    version: '1.6',
    release: '17.el9',
    status: 'no-fix-yet',
    summary: 'jq: heap overflow in the decimal parser',
  });
  const next = withDigest(sampleScanResult(), newDigest);
  next.findings = [...next.findings.filter((each) => !fixed.has(each.package.name)), jq];
  const oldPackages = old.findings.map(packageOf);
  const newPackages = [
    ...oldPackages.map((pkg) => {
      const upgrade = old.findings.find((each) => each.package.name === pkg.name && fixed.has(pkg.name));
      if (upgrade?.fixedVersion === undefined) return pkg;
      const [, version, release] = /^(?:\d+:)?(.+)-([^-]+)$/.exec(upgrade.fixedVersion) ?? [];
      return { ...pkg, version: version ?? pkg.version, release: release ?? pkg.release };
    }),
    packageOf(jq),
  ];
  const diff = diffImages(
    { inventory: inventoryOf(old, oldPackages), scan: old },
    { inventory: inventoryOf(next, newPackages), scan: next },
  );
  const evidence = `${JSON.stringify(gateEvidence(gateResultFrom(next, { maxAgeDays: 3650 })), null, 2)}\n`;
  return { oldDigest, newDigest, evidence, diff };
}

function withDigest(scan: ScanResult, digest: string): ScanResult {
  return {
    ...scan,
    target: { ...scan.target, name: `docker://${FIXTURE_REPOSITORY}@${digest}`, digest: digest as Digest },
  };
}

function packageOf(found: Finding): Package {
  const { type, name, version, release, arch, epoch, purl } = found.package;
  return {
    type,
    name,
    version,
    ...(release === undefined ? {} : { release }),
    ...(arch === undefined ? {} : { arch }),
    ...(epoch === undefined ? {} : { epoch }),
    purl,
    source: 'var/lib/rpm/rpmdb.sqlite',
  };
}

function inventoryOf(scan: ScanResult, packages: Package[]): Inventory {
  return {
    target: { ...scan.target, layers: [] },
    bootc: { bootc: true, evidence: [] },
    kernels: [],
    packages,
    databases: ['var/lib/rpm/rpmdb.sqlite'],
    problems: [],
    stats: {} as Inventory['stats'],
  };
}
