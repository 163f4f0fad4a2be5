import { z } from 'zod';
import { PACKAGE_KINDS } from '../core/index.js';
import type { ScanResult } from '../scan/index.js';
import { countByStatus, orderFindings } from './finding-order.js';

/**
 * `patchline scan --format json`: the ScanResult as is, under a schema version, with counts per status. The shape is
 * the contract for scripts: fields are only ever added within a schema version; a rename or a removal bumps it.
 * `scanJsonSchema` below is that contract (its JSON Schema: `z.toJSONSchema(scanJsonSchema)`).
 */
export const SCAN_JSON_SCHEMA_VERSION = 1;

const status = z.enum(['fix-available', 'no-fix-yet', 'will-not-fix', 'not-affected']);

const statementSchema = z.object({
  source: z.string().describe('the VEX file (and statement) or the policy exception'),
  status: z.string(),
  justification: z.string().optional(),
  impact: z.string().optional(),
});

const coverageSchema = z
  .array(z.object({ cves: z.array(z.string()), statement: statementSchema }))
  .describe('which of the CVEs each statement covers');

export const scanFindingSchema = z.object({
  id: z.string().describe('the advisory id (ALSA-2024:0001, CVE-2023-38545): stable across scans'),
  aliases: z.array(z.string()).describe('other ids of the advisory (CVE, RHSA, ALSA, DSA), sorted'),
  cves: z.array(z.string()).describe('the CVE ids among id and aliases, sorted'),
  package: z.object({
    type: z.enum(PACKAGE_KINDS),
    name: z.string(),
    version: z.string(),
    release: z.string().optional(),
    epoch: z.number().int().optional(),
    arch: z.string().optional(),
    sourceName: z.string().optional(),
    purl: z.string(),
    modularityLabel: z.string().optional(),
    installed: z.string().describe('the installed version as its scheme writes it: rpm [E:]V-R, deb, apk'),
    layer: z.object({ index: z.number().int(), digest: z.string() }).optional(),
  }),
  scheme: z.enum(PACKAGE_KINDS),
  status,
  fixedVersion: z.string().optional(),
  fixAdvisory: z.string().optional().describe('the advisory shipping the fix, when it is not id'),
  fixAvailableSince: z.string().optional().describe('ISO 8601: when the fix became available'),
  fixDateOrigin: z.enum(['published', 'first-seen']).optional(),
  fixFirstSeen: z.string().optional().describe('ISO 8601: when a sync of ours first saw the fix'),
  published: z.string().optional().describe('ISO 8601: when the advisory was published, as its publisher says'),
  severity: z.string().optional().describe('as published; shown, never used to decide'),
  summary: z.string().optional(),
  source: z.object({ format: z.string(), ecosystem: z.string(), note: z.string().optional() }),
  references: z.array(z.string()).optional(),
  coverage: coverageSchema
    .optional()
    .describe('statements covering some, not all, of its CVEs: it stays a finding until all are covered'),
});

export const scanJsonSchema = z.object({
  schemaVersion: z.literal(SCAN_JSON_SCHEMA_VERSION),
  target: z.object({
    name: z.string(),
    digest: z.string().optional(),
    configDigest: z.string().optional(),
    platform: z.string().optional(),
    created: z.string().optional(),
    labels: z.record(z.string(), z.string()),
  }),
  os: z
    .object({ id: z.string(), family: z.string(), versionId: z.string().optional(), prettyName: z.string().optional() })
    .optional(),
  database: z.object({
    path: z.string(),
    snapshotId: z.string(),
    builtAt: z.string().optional(),
    ageSeconds: z.number().optional(),
  }),
  scannedAt: z.string(),
  packages: z.number().int().describe('packages inventoried'),
  ecosystems: z.array(z.object({ ecosystem: z.string(), source: z.string(), note: z.string().optional() })),
  noData: z
    .string()
    .optional()
    .describe('set when no advisory data applied to the image: no findings then means nothing was looked for'),
  summary: z.object({
    'fix-available': z.number().int(),
    'no-fix-yet': z.number().int(),
    'will-not-fix': z.number().int(),
    'not-affected': z.number().int(),
    suppressed: z.number().int(),
  }),
  findings: z.array(scanFindingSchema).describe('fix-available first, oldest fix first'),
  suppressed: z.array(
    z.object({
      finding: scanFindingSchema,
      statement: statementSchema,
      coverage: coverageSchema.optional(),
    }),
  ),
});

export type ScanJson = z.infer<typeof scanJsonSchema>;

export function scanJson(result: ScanResult): string {
  const findings = orderFindings(result.findings);
  const { layers: _layers, ...target } = result.target;
  const document = {
    schemaVersion: SCAN_JSON_SCHEMA_VERSION,
    target,
    ...(result.os
      ? {
          os: {
            id: result.os.id,
            family: result.os.family,
            ...(result.os.versionId ? { versionId: result.os.versionId } : {}),
            ...(result.os.prettyName ? { prettyName: result.os.prettyName } : {}),
          },
        }
      : {}),
    database: result.database,
    scannedAt: result.scannedAt,
    packages: result.packages,
    ecosystems: result.ecosystems,
    ...(result.noData !== undefined ? { noData: result.noData } : {}),
    summary: { ...countByStatus(findings), suppressed: result.suppressed.length },
    findings,
    suppressed: result.suppressed,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
