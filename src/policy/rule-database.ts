import { z } from 'zod';
import type { DatabaseStatus } from '../advisories/index.js';
import { durationSeconds, formatAge } from '../duration.js';
import { ecosystemFor, type ScanResult } from '../scan/index.js';
import type { RuleResult } from './gate-result.js';
import { policyRule } from './policy-rule.js';
import { duration } from './schema-parts.js';

/** The advisory data the gate relies on: the sources holding the image's ecosystem, and their age. */
export interface DataInUse {
  ecosystem?: string;
  /** Why no ecosystem applies, when none does. */
  reason?: string;
  /** `osv AlmaLinux:9`: the sources holding the ecosystem. */
  sources: string[];
  /** Seconds since the newest sync of those sources; absent when there are none. */
  ageSeconds?: number;
  lastSync?: string;
}

export function dataInUse(scan: ScanResult, database: DatabaseStatus, now: number): DataInUse {
  const choice = ecosystemFor(scan.os);
  if (choice.ecosystem === undefined) return { reason: choice.reason, sources: [] };
  const holding = database.sources.filter((source) => source.ecosystems.includes(choice.ecosystem));
  const used: DataInUse = {
    ecosystem: choice.ecosystem,
    sources: holding.map((s) => `${s.source} ${choice.ecosystem}`),
  };
  if (holding.length > 0) {
    const lastSync = Math.max(...holding.map((source) => Date.parse(source.lastSync)));
    used.lastSync = new Date(lastSync).toISOString();
    used.ageSeconds = Math.floor((now - lastSync) / 1000);
  }
  return used;
}

/**
 * database.maxAge: fails closed. A scan against no data finds nothing, which must not read as a clean image, so an
 * image whose ecosystem has no source in the database fails whether or not maxAge is set; with maxAge, data last
 * updated longer ago fails too.
 */
export function databaseRule(spec: z.output<typeof databaseSection>, used: DataInUse): RuleResult {
  const maxAge = spec === undefined ? null : durationSeconds(spec.maxAge)!;
  const inputs = {
    maxAgeSeconds: maxAge,
    ecosystem: used.ecosystem ?? null,
    sources: used.sources,
    lastSync: used.lastSync ?? null,
    ageSeconds: used.ageSeconds ?? null,
  };
  const base = { rule: 'database.maxAge' as const, inputs, findings: [], packages: [] };
  if (used.ecosystem === undefined) {
    return { ...base, outcome: 'fail', message: `no advisory data can apply: ${used.reason}` };
  }
  if (used.sources.length === 0 || used.ageSeconds === undefined) {
    return {
      ...base,
      outcome: 'fail',
      message: `the advisory database holds no data for ${used.ecosystem}: a scan against it would find nothing (import or sync that source)`,
    };
  }
  const measured = `${used.sources.join(', ')} last updated ${used.lastSync}, ${formatAge(Math.max(0, used.ageSeconds))} ago`;
  if (maxAge === null) {
    return { ...base, outcome: 'pass', message: `${measured} (no maxAge set; the data for the image is present)` };
  }
  return used.ageSeconds > maxAge
    ? { ...base, outcome: 'fail', message: `the advisory data is older than ${formatAge(maxAge)}: ${measured}` }
    : { ...base, outcome: 'pass', message: `${measured}, within ${formatAge(maxAge)}` };
}

const databaseSection = z
  .strictObject({
    maxAge: duration.describe('The advisory data for the image may be at most this old (since its last update)'),
  })
  .optional();

export const databasePolicy = policyRule({
  key: 'database',
  schema: databaseSection,
  example: { maxAge: '3d' },
  reports: [
    {
      name: 'database.maxAge',
      title: 'AdvisoryDatabaseIsFresh',
      help: 'The advisory database must be younger than the policy allows, and hold every source it needs.',
    },
  ],
  evaluate: (section, { used }) => [databaseRule(section, used)],
});
