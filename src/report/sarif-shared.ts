import { createHash } from 'node:crypto';
import { VERSION, withoutPinnedDigest } from '../core/index.js';
import type { Finding, FindingStatus } from '../scan/index.js';

/**
 * What the scan's and the gate's SARIF documents share, so both place a package the same way and GitHub code scanning
 * sees one consistent tool: the schema, levels from a finding's status (never its severity), the package database as
 * the result's file, fingerprints from what identifies the problem rather than the installed version.
 */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const FINGERPRINT_KEY = 'patchlineFinding/v1';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export const STATUS_LEVELS: Record<FindingStatus, SarifLevel> = {
  'fix-available': 'error',
  'no-fix-yet': 'warning',
  'will-not-fix': 'note',
  'not-affected': 'none',
};

// Where each package type's database usually lives, for findings whose package does not say.
const DEFAULT_DATABASES: Record<Finding['package']['type'], string> = {
  rpm: 'usr/lib/sysimage/rpm/rpmdb.sqlite',
  deb: 'var/lib/dpkg/status',
  apk: 'lib/apk/db/installed',
};

// Where a reader of an alert learns about the tool (the multitool's SARIF2005 asks for it); the project's own domain,
// as in its schemas' ids and its attestation predicate type.
export const TOOL_INFORMATION_URI = 'https://patchline.dev/';

export function sarifDriver(rules: object[]): object {
  return { name: 'patchline', informationUri: TOOL_INFORMATION_URI, semanticVersion: VERSION, version: VERSION, rules };
}

/** The finding's package as a SARIF location: its database inside the image (GitHub needs a file), and its purl. */
export function packageLocation(finding: Finding): object {
  return {
    physicalLocation: {
      artifactLocation: { uri: databasePath(finding) },
      region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
    },
    logicalLocations: [{ name: finding.package.purl, kind: 'package' }],
  };
}

// The finding's package record may carry its database (`source`, as inventory packages do); else the usual place.
function databasePath(finding: Finding): string {
  const source = (finding.package as { source?: unknown }).source;
  return typeof source === 'string' && source !== '' ? source : DEFAULT_DATABASES[finding.package.type];
}

/** A fingerprint of the advisory and the package (name and arch), optionally prefixed by what else tells alerts apart. */
export function findingFingerprint(finding: Finding, ...prefix: string[]): string {
  return sha256Hex([...prefix, finding.id, finding.package.type, finding.package.name, finding.package.arch ?? '']);
}

export function sha256Hex(parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** GitHub keeps one analysis per automation category: one per image name (without tag or digest), not per build. */
export function automationName(imageName: string): string {
  return withoutPinnedDigest(imageName.replace(/^[a-z-]+:(\/\/)?/, '')).replace(/:[^/:]+$/, '');
}
