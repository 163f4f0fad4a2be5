import { VERSION } from '../core/index.js';
import type { Finding, FindingStatus, ScanResult } from '../scan/index.js';
import { ageInDays, orderFindings } from './finding-order.js';
import { automationName, findingFingerprint, sha256Hex, TOOL_INFORMATION_URI } from './sarif-shared.js';

/**
 * `patchline scan --format gitlab`: GitLab's container scanning report (`gl-container-scanning-report.json`, declared
 * in a job as `artifacts: reports: container_scanning`), schema version 15.2.1 (schemas/gitlab/). One vulnerability per
 * finding that still applies to the image: publisher not-affected statements and findings suppressed by VEX are left
 * out of the list, and a scan message says how many and where to see them, so none disappears silently.
 *
 * What GitLab relies on: the first identifier is the primary one (the advisory id, so an RHSA or ALSA stays one
 * vulnerability whatever CVEs it gathers), the location (image, operating system, package) tracks the vulnerability
 * from one pipeline to the next, and `id` is stable for the same advisory, package and image name. Severity is the
 * publisher's, mapped onto GitLab's words, for display only: the status and how long the fix has been available are
 * in the description and details, and Patchline's gate, not a severity threshold, is what should decide.
 */
export const GITLAB_REPORT_VERSION = '15.2.1';
const SCHEMA_URL = `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_REPORT_VERSION}/dist/container-scanning-report-format.json`;

type GitlabSeverity = 'Info' | 'Unknown' | 'Low' | 'Medium' | 'High' | 'Critical';

// Publishers' words (Red Hat, Alma, Rocky, Fedora, Debian, Ubuntu, OSV) onto GitLab's; anything else is Unknown.
const SEVERITIES: Record<string, GitlabSeverity> = {
  critical: 'Critical',
  important: 'High',
  high: 'High',
  moderate: 'Medium',
  medium: 'Medium',
  low: 'Low',
  negligible: 'Info',
  unimportant: 'Info',
};

const STATUS_TEXT: Record<FindingStatus, string> = {
  'fix-available': 'fix available',
  'no-fix-yet': 'no fix published yet',
  'will-not-fix': 'the publisher will not fix it in this stream',
  'not-affected': 'not affected, as the publisher states',
};

// The schema's limits on a vulnerability's name and solution.
const NAME_LIMIT = 255;
const SOLUTION_LIMIT = 7000;

export function gitlabContainerScanningJson(result: ScanResult): string {
  const listed = orderFindings(result.findings).filter((finding) => finding.status !== 'not-affected');
  const notAffected = result.findings.length - listed.length;
  // The name as given (with its tag, not the digest): GitLab tracks a vulnerability by the image name without its tag
  // and the package, so each new build of the same image keeps its vulnerabilities rather than opening new ones.
  const image = result.target.name;
  const operatingSystem = osName(result);
  const time = gitlabTime(result.scannedAt);
  const tool = {
    id: 'patchline',
    name: 'Patchline',
    version: VERSION,
    vendor: { name: 'Patchline' },
    url: TOOL_INFORMATION_URI,
  };
  const messages: Array<{ level: 'info' | 'warn'; value: string }> = [];
  if (result.noData !== undefined) {
    // An empty list here means nothing was looked for, not a clean image.
    messages.push({ level: 'warn', value: `No advisory data for this image: ${result.noData}` });
  }
  if (result.suppressed.length > 0) {
    messages.push({
      level: 'info',
      value: `${result.suppressed.length} finding(s) suppressed by VEX statements are not listed; \`patchline scan --format json\` lists them with the statements.`,
    });
  }
  if (notAffected > 0) {
    messages.push({ level: 'info', value: `${notAffected} publisher not-affected statement(s) are not listed.` });
  }
  const document = {
    version: GITLAB_REPORT_VERSION,
    schema: SCHEMA_URL,
    scan: {
      analyzer: tool,
      scanner: tool,
      type: 'container_scanning',
      start_time: time,
      end_time: time,
      status: 'success',
      ...(messages.length > 0 ? { messages } : {}),
    },
    vulnerabilities: listed.map((finding) => vulnerability(finding, result, image, operatingSystem)),
    remediations: [],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function vulnerability(finding: Finding, result: ScanResult, image: string, operatingSystem: string): object {
  const pkg = finding.package;
  const severity = finding.severity ? SEVERITIES[finding.severity.trim().toLowerCase()] : undefined;
  const links = (finding.references ?? []).filter(isWebUrl).map((url) => ({ url }));
  return {
    id: stableUuid(sha256Hex([automationName(result.target.name), findingFingerprint(finding)])),
    name: truncate(finding.summary ?? finding.id, NAME_LIMIT),
    description: description(finding, result.scannedAt),
    severity: severity ?? 'Unknown',
    solution: truncate(solution(finding), SOLUTION_LIMIT),
    identifiers: identifiers(finding),
    ...(links.length > 0 ? { links } : {}),
    location: {
      dependency: { package: { name: pkg.name }, version: pkg.installed },
      operating_system: operatingSystem,
      image,
    },
    details: details(finding),
  };
}

function description(finding: Finding, now: string): string {
  const pkg = `${finding.package.name}${finding.package.arch ? `.${finding.package.arch}` : ''} ${finding.package.installed}`;
  const lines = [
    finding.summary ?? finding.id,
    '',
    `${pkg}: ${STATUS_TEXT[finding.status]}${finding.fixedVersion ? `, fixed in ${finding.fixedVersion}` : ''}${since(finding, now)}.`,
  ];
  if (finding.cves.length > 0) lines.push(`CVEs: ${finding.cves.join(', ')}.`);
  if (finding.severity) lines.push(`Severity as published: ${finding.severity}.`);
  lines.push(
    `Source: ${finding.source.format} ${finding.source.ecosystem}${finding.source.note ? ` (${finding.source.note})` : ''}.`,
  );
  return lines.join('\n');
}

function since(finding: Finding, now: string): string {
  if (finding.status !== 'fix-available' || !finding.fixAvailableSince) return '';
  return `, available since ${finding.fixAvailableSince.slice(0, 10)} (${ageInDays(finding.fixAvailableSince, now)} days)`;
}

function solution(finding: Finding): string {
  switch (finding.status) {
    case 'fix-available':
      return `Update ${finding.package.name} to ${finding.fixedVersion ?? 'the fixed version'} or newer${finding.fixAdvisory ? ` (${finding.fixAdvisory})` : ''} and rebuild the image.`;
    case 'no-fix-yet':
      return 'No fix is published yet: the next scan after the publisher ships one will say which version has it.';
    case 'will-not-fix':
      return 'The publisher will not fix this in this release stream: move to a newer release, or record an exception.';
    case 'not-affected':
      return 'Nothing to do: the publisher states this package is not affected.';
  }
}

/** The advisory id first (the primary identifier), then each CVE it gathers. */
function identifiers(finding: Finding): object[] {
  const primary = {
    type: identifierType(finding.id),
    name: finding.id,
    value: finding.id,
    ...(finding.id.startsWith('CVE-') ? { url: cveUrl(finding.id) } : firstUrl(finding)),
  };
  const cves = finding.cves
    .filter((cve) => cve !== finding.id)
    .map((cve) => ({ type: 'cve', name: cve, value: cve, url: cveUrl(cve) }));
  return [primary, ...cves];
}

// `CVE-2024-1234` is a cve, `ALSA-2024:1234` an alsa, `FEDORA-2024-abc` a fedora: the id's own prefix, lowercased.
function identifierType(id: string): string {
  const prefix = /^([A-Za-z][A-Za-z0-9]*)[-:]/.exec(id)?.[1];
  return prefix ? prefix.toLowerCase() : 'advisory';
}

function cveUrl(cve: string): string {
  return `https://www.cve.org/CVERecord?id=${encodeURIComponent(cve)}`;
}

function firstUrl(finding: Finding): { url?: string } {
  const url = (finding.references ?? []).find(isWebUrl);
  return url ? { url } : {};
}

// The schema's pattern for links and identifier URLs; a reference in another scheme is left out.
function isWebUrl(url: string): boolean {
  return /^(https?|ftp):\/\/.+/.test(url);
}

function details(finding: Finding): object {
  const fields: Array<[string, string, string | undefined]> = [
    ['status', 'Status', finding.status],
    ['installed_version', 'Installed version', finding.package.installed],
    ['fixed_version', 'Fixed version', finding.fixedVersion],
    ['fix_available_since', 'Fix available since', finding.fixAvailableSince],
    ['purl', 'Package URL', finding.package.purl],
    ['source', 'Advisory data', `${finding.source.format} ${finding.source.ecosystem}`],
  ];
  return Object.fromEntries(
    fields
      .filter((field): field is [string, string, string] => field[2] !== undefined && field[2] !== '')
      .map(([key, name, value]) => [key, { name, type: 'text', value }]),
  );
}

function osName(result: ScanResult): string {
  const os = result.os;
  if (!os) return 'unknown';
  return os.versionId ? `${os.id} ${os.versionId}` : os.id;
}

/** GitLab wants UTC as yyyy-mm-ddThh:mm:ss, without fraction or zone. */
function gitlabTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

/** A UUID (version 5 layout) made from a hex digest, so the same finding keeps the same id in every report. */
function stableUuid(hex: string): string {
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
