import { gzipSync } from 'node:zlib';
import type { Finding, FindingStatus, ScanResult } from '../scan/index.js';
import { ageInDays, orderFindings } from './finding-order.js';
import {
  automationName,
  FINGERPRINT_KEY,
  findingFingerprint,
  packageLocation,
  SARIF_SCHEMA,
  STATUS_LEVELS,
  sarifDriver,
} from './sarif-shared.js';

/**
 * SARIF 2.1.0 for GitHub code scanning. What GitHub requires and we rely on:
 * - one rule per advisory, its id the advisory id, so `ruleId` is stable from one scan to the next;
 * - `partialFingerprints` per result, from what identifies the problem (advisory, package name and arch), not from the
 *   installed version, so an alert stays one alert until the fix ships;
 * - a location per result with a consistent path: the package database inside the image (GitHub needs a file);
 * - `level` from the finding's status (a fix to ship is an error), never from severity, and no `security-severity`
 *   property, which GitHub would rank by;
 * - an upload of at most 10 MB gzip'd and 5,000 results (GitHub ignores results past 5,000 and rejects uploads past
 *   25,000): past either, results are left out from the end (least urgent first) and a notification says how many.
 */
export const GITHUB_SARIF_GZIP_LIMIT = 10 * 1024 * 1024;
export const GITHUB_SARIF_RESULT_LIMIT = 5000;

export interface SarifOptions {
  /** Most gzip'd bytes the document may take (default: GitHub's 10 MB). */
  maxGzipBytes?: number;
  /** Most results (default: the 5,000 GitHub reads per run). */
  maxResults?: number;
}

export function sarifJson(result: ScanResult, options: SarifOptions = {}): string {
  const limit = options.maxGzipBytes ?? GITHUB_SARIF_GZIP_LIMIT;
  const findings = orderFindings(result.findings);
  const kept = findings.slice(0, options.maxResults ?? GITHUB_SARIF_RESULT_LIMIT);
  const full = render(result, kept, findings.length - kept.length);
  if (gzipSize(full) <= limit) return full;
  // Binary search for the most results that fit; the order keeps the most urgent ones.
  let low = 0;
  let high = kept.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (gzipSize(render(result, kept.slice(0, mid), findings.length - mid)) <= limit) low = mid;
    else high = mid - 1;
  }
  return render(result, kept.slice(0, low), findings.length - low);
}

function gzipSize(text: string): number {
  return gzipSync(text).length;
}

function render(result: ScanResult, findings: Finding[], leftOut: number): string {
  const rules: object[] = [];
  const ruleIndex = new Map<string, number>();
  for (const finding of findings) {
    if (ruleIndex.has(finding.id)) continue;
    ruleIndex.set(finding.id, rules.length);
    rules.push(rule(finding));
  }
  const notifications: object[] = [];
  if (result.noData !== undefined) {
    // No results here means nothing was looked for, not a clean image: the run says so where a reader looks first.
    notifications.push({ level: 'error', descriptor: { id: 'no-advisory-data' }, message: { text: result.noData } });
  }
  if (leftOut > 0) {
    notifications.push({
      level: 'warning',
      descriptor: { id: 'results-truncated' },
      message: {
        text: `${leftOut} of ${leftOut + findings.length} results were left out to stay within GitHub's limits (${GITHUB_SARIF_RESULT_LIMIT} results, ${GITHUB_SARIF_GZIP_LIMIT / 1024 / 1024} MB gzip'd): the least urgent ones; \`patchline scan --format json\` lists them all.`,
      },
    });
  }
  const document = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: sarifDriver(rules),
        },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: result.scannedAt,
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        automationDetails: { id: `patchline/scan/${automationName(result.target.name)}/` },
        results: findings.map((finding) => sarifResult(finding, ruleIndex.get(finding.id) ?? 0, result.scannedAt)),
        properties: {
          image: result.target.name,
          ...(result.target.digest ? { imageDigest: result.target.digest } : {}),
          databaseSnapshot: result.database.snapshotId,
          ...(leftOut > 0 ? { resultsLeftOut: leftOut } : {}),
          ...(result.noData !== undefined ? { noAdvisoryData: result.noData } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function rule(finding: Finding): object {
  const title = finding.summary ?? `${finding.id} in ${finding.package.name}`;
  const lines = [
    `${finding.id}${finding.aliases.length > 0 ? ` (${finding.aliases.join(', ')})` : ''}`,
    finding.summary ?? '',
    finding.severity ? `Severity as published: ${finding.severity}` : '',
    `Source: ${finding.source.format} ${finding.source.ecosystem}${finding.source.note ? ` (${finding.source.note})` : ''}`,
    'Fix: update the package to the fixed version (or newer) and rebuild the image.',
  ].filter((line) => line !== '');
  const links = (finding.references ?? []).map((url) => `- <${url}>`);
  return {
    id: finding.id,
    name: finding.id.replace(/[^A-Za-z0-9]+/g, ''),
    shortDescription: { text: title },
    fullDescription: { text: lines.slice(0, 2).join(': ') },
    ...(finding.references?.[0] ? { helpUri: finding.references[0] } : {}),
    help: {
      text: lines.join('\n'),
      markdown: [
        ...lines.map((line) => `${line}  `),
        ...(links.length > 0 ? ['', '**References**', ...links] : []),
      ].join('\n'),
    },
    defaultConfiguration: { level: STATUS_LEVELS[finding.status] },
    properties: {
      tags: ['security', 'vulnerability', finding.scheme, ...finding.cves.slice(0, 10)],
      ...(finding.severity ? { publishedSeverity: finding.severity } : {}),
    },
  };
}

function sarifResult(finding: Finding, ruleIndex: number, now: string): object {
  const pkg = finding.package;
  const arch = pkg.arch ? `.${pkg.arch}` : '';
  const since = finding.fixAvailableSince
    ? `, available since ${finding.fixAvailableSince.slice(0, 10)} (${ageInDays(finding.fixAvailableSince, now)} days)`
    : '';
  const message: Record<FindingStatus, string> = {
    'fix-available': `${pkg.name}${arch} ${pkg.installed} lacks the fix of ${finding.id}: update to ${finding.fixedVersion ?? 'the fixed version'}${since}.`,
    'no-fix-yet': `${pkg.name}${arch} ${pkg.installed} is affected by ${finding.id}; no fix is published yet.`,
    'will-not-fix': `${pkg.name}${arch} ${pkg.installed} is affected by ${finding.id}; the publisher will not fix it in this stream.`,
    'not-affected': `${pkg.name}${arch} ${pkg.installed} is not affected by ${finding.id}, as the publisher states.`,
  };
  return {
    ruleId: finding.id,
    ruleIndex,
    level: STATUS_LEVELS[finding.status],
    message: { text: message[finding.status] },
    locations: [packageLocation(finding)],
    partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(finding) },
    properties: {
      status: finding.status,
      purl: pkg.purl,
      installedVersion: pkg.installed,
      ...(finding.fixedVersion ? { fixedVersion: finding.fixedVersion } : {}),
      ...(finding.fixAvailableSince ? { fixAvailableSince: finding.fixAvailableSince } : {}),
    },
  };
}
