import { createHash } from 'node:crypto';
import { VERSION } from '../core/index.js';
import type { Finding, ScanResult, SuppressedFinding } from '../scan/index.js';
import { ageInDays, orderFindings } from './finding-order.js';
import { imagePurl } from './sbom-ids.js';

/**
 * The scan as an OpenVEX 0.2.0 document: one statement per finding, about the image as the product and the package
 * as its subcomponent (the package itself when the image has no digest to name it by). Findings are `affected` with
 * an action statement (update, wait, or none coming); findings the publisher or a VEX statement calls not affected
 * are `not_affected` with a justification or an impact statement (the schema allows exactly one of the two).
 * OpenVEX asks for at least one statement: a scan without findings yields an empty `statements` list, which says so.
 */
export const OPENVEX_CONTEXT = 'https://openvex.dev/ns/v0.2.0';

const JUSTIFICATIONS = new Set([
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
]);

export interface OpenvexStatement {
  vulnerability: { name: string; aliases?: string[] };
  products: Array<{ '@id': string; subcomponents?: Array<{ '@id': string }> }>;
  status: 'not_affected' | 'affected' | 'fixed' | 'under_investigation';
  justification?: string;
  impact_statement?: string;
  action_statement?: string;
  status_notes?: string;
}

export interface OpenvexDocument {
  '@context': string;
  '@id': string;
  author: string;
  timestamp: string;
  version: number;
  tooling: string;
  statements: OpenvexStatement[];
}

export function openvexDocument(result: ScanResult): OpenvexDocument {
  const image = imagePurl(result.target);
  const statements = [
    ...orderFindings(result.findings).map((finding) => findingStatement(finding, image, result.scannedAt)),
    ...result.suppressed.map((entry) => suppressedStatement(entry, image)),
  ];
  return {
    '@context': OPENVEX_CONTEXT,
    '@id': documentId(result),
    author: 'patchline',
    timestamp: result.scannedAt,
    version: 1,
    tooling: `patchline ${VERSION}`,
    statements,
  };
}

export function openvexJson(result: ScanResult): string {
  return `${JSON.stringify(openvexDocument(result), null, 2)}\n`;
}

// The same scan (image, database snapshot, time) always gets the same id.
function documentId(result: ScanResult): string {
  const key = [result.target.digest ?? result.target.name, result.database.snapshotId, result.scannedAt].join('\0');
  return `urn:patchline:vex:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

function products(finding: Finding, image: string | undefined): OpenvexStatement['products'] {
  return image
    ? [{ '@id': image, subcomponents: [{ '@id': finding.package.purl }] }]
    : [{ '@id': finding.package.purl }];
}

function vulnerability(finding: Finding): OpenvexStatement['vulnerability'] {
  const aliases = [...new Set(finding.aliases.filter((alias) => alias !== finding.id))];
  return aliases.length > 0 ? { name: finding.id, aliases } : { name: finding.id };
}

function findingStatement(finding: Finding, image: string | undefined, now: string): OpenvexStatement {
  const base = { vulnerability: vulnerability(finding), products: products(finding, image) };
  const source = `${finding.source.format} ${finding.source.ecosystem}${finding.source.note ? ` (${finding.source.note})` : ''}`;
  switch (finding.status) {
    case 'fix-available': {
      const since = finding.fixAvailableSince
        ? `; the fix has been available since ${finding.fixAvailableSince.slice(0, 10)} (${ageInDays(finding.fixAvailableSince, now)} days)`
        : '';
      return {
        ...base,
        status: 'affected',
        action_statement: `Update ${finding.package.name} from ${finding.package.installed} to ${finding.fixedVersion ?? 'the fixed version'} or newer${since}.`,
        status_notes: `fix-available per ${source}`,
      };
    }
    case 'no-fix-yet':
      return {
        ...base,
        status: 'affected',
        action_statement: 'No fix is published yet; update when the publisher ships one.',
        status_notes: `no-fix-yet per ${source}`,
      };
    case 'will-not-fix':
      return {
        ...base,
        status: 'affected',
        action_statement: 'The publisher will not fix this in this stream; mitigate or remove the package.',
        status_notes: `will-not-fix per ${source}`,
      };
    case 'not-affected':
      return {
        ...base,
        status: 'not_affected',
        impact_statement: `The publisher states this package is not affected (${source}).`,
      };
  }
}

function suppressedStatement({ finding, statement }: SuppressedFinding, image: string | undefined): OpenvexStatement {
  const base = {
    vulnerability: vulnerability(finding),
    products: products(finding, image),
    status_notes: `from ${statement.source}`,
  };
  if (statement.status === 'fixed') return { ...base, status: 'fixed' };
  if (statement.justification && JUSTIFICATIONS.has(statement.justification)) {
    return { ...base, status: 'not_affected', justification: statement.justification };
  }
  const reason = [statement.justification, statement.impact].filter(Boolean).join(': ');
  return {
    ...base,
    status: 'not_affected',
    impact_statement: reason || `Not affected, as stated in ${statement.source}.`,
  };
}
