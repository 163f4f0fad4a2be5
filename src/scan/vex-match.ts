import { PackageURL } from 'packageurl-js';
import { isSha256Digest, withoutPinnedDigest } from '../core/index.js';
import type { InventoryTarget, OperatingSystem } from '../inventory/index.js';
import { vulnerabilitiesNamed } from './cve-coverage.js';
import type { Finding } from './finding.js';
import type { VexProduct, VexStatement } from './vex-statement.js';

/** What a statement is matched against: one finding in one scanned image. */
export interface VexSubject {
  finding: Finding;
  target: InventoryTarget;
  os?: OperatingSystem | undefined;
}

/**
 * The finding's vulnerabilities this statement speaks of: none unless it names the finding's package (or image or
 * platform); then the CVEs it names, or all of them when it names the advisory itself.
 */
export function statementCovers(statement: VexStatement, subject: VexSubject): string[] {
  const named = vulnerabilitiesNamed(subject.finding, statement.vulnerabilities);
  if (named.length === 0) return [];
  return statement.products.some((product) => productApplies(product, subject)) ? named : [];
}

function productApplies(product: VexProduct, subject: VexSubject): boolean {
  if (product.purl === undefined && product.image === undefined && product.platformCpe === undefined) return false;
  if (product.purl !== undefined && !purlApplies(product.purl, subject.finding)) return false;
  if (product.image !== undefined && !imageApplies(product.image, subject.target)) return false;
  if (product.platformCpe !== undefined && !platformApplies(product.platformCpe, subject.os)) return false;
  return true;
}

function parsePurl(purl: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
}

/**
 * purl-spec matching as VEX consumers do it: type, namespace and name must be equal; the statement's version and each
 * of its qualifiers must equal the package's where the statement gives them (none given: every version). A source
 * package (`arch=src`) stands for the binary packages built from it.
 */
function purlApplies(statementPurl: string, finding: Finding): boolean {
  const wanted = parsePurl(statementPurl);
  const have = parsePurl(finding.package.purl);
  if (!wanted || !have || wanted.type !== have.type) return false;
  if ((wanted.namespace ?? '').toLowerCase() !== (have.namespace ?? '').toLowerCase() && wanted.namespace) return false;
  const qualifiers = { ...(wanted.qualifiers ?? {}) };
  const source = qualifiers.arch === 'src';
  if (source) delete qualifiers.arch;
  const name = source ? (finding.package.sourceName ?? finding.package.name) : have.name;
  if (wanted.name !== name) return false;
  // A source rpm's version-release is its binaries' (the installed record does not keep the source's own).
  if (wanted.version && wanted.version !== have.version && wanted.version !== finding.package.installed) {
    return false;
  }
  for (const [key, value] of Object.entries(qualifiers)) {
    if (have.qualifiers?.[key] !== value) return false;
  }
  return true;
}

/** An OCI purl (`pkg:oci/name@sha256:…`), a digest, or the image reference as given. */
function imageApplies(image: string, target: InventoryTarget): boolean {
  const purl = image.startsWith('pkg:') ? parsePurl(image) : undefined;
  if (purl) {
    if (purl.type !== 'oci') return false;
    if (purl.version) return purl.version === target.digest;
    return purl.name === lastSegment(target.name);
  }
  if (isSha256Digest(image)) return image === target.digest;
  const reference = stripTransport(image);
  const name = stripTransport(target.name);
  return (
    reference === name ||
    (target.digest !== undefined && reference.endsWith(`@${target.digest}`)) ||
    reference === name.replace(/[:@][^/]*$/, '')
  );
}

function stripTransport(reference: string): string {
  return reference.replace(/^(docker|oci|oci-archive|docker-archive|containers-storage|dir):(\/\/)?/, '');
}

function lastSegment(reference: string): string {
  return (
    withoutPinnedDigest(stripTransport(reference))
      .replace(/:[^/:]+$/, '')
      .split('/')
      .pop() ?? ''
  ).toLowerCase();
}

/**
 * A platform CPE (2.2 `cpe:/o:redhat:enterprise_linux:8`, or 2.3) against the image's OS: same major version, and
 * for Red Hat's CPEs an OS of the Red Hat family and a RHEL product (Red Hat's guidance matches streams by major
 * version; `rhel_eus:9.2`, `enterprise_linux:9::appstream` are both RHEL 9).
 */
function platformApplies(cpe: string, os: OperatingSystem | undefined): boolean {
  if (!os?.versionId) return false;
  const parts = cpe.startsWith('cpe:2.3:')
    ? cpe.slice('cpe:2.3:'.length).split(':')
    : cpe.slice('cpe:/'.length).split(':');
  const [, vendor, product, version] = parts;
  const major = /^(\d+)/.exec(version ?? '')?.[1];
  if (!major || major !== /^(\d+)/.exec(os.versionId)?.[1]) return false;
  if (vendor === 'redhat') return os.family === 'redhat' && /^(enterprise_linux|rhel)/.test(product ?? '');
  return true;
}
