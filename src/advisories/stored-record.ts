import { z } from 'zod';
import { ADVISORY_SOURCES, PACKAGE_KINDS } from '../core/index.js';
import type { AdvisoryRecord, AffectedPackage } from './advisory.js';

/**
 * The advisory model as the database stores it (JSON per record and per affected entry), checked when a database
 * file from elsewhere (an offline bundle) is taken in: its rows go straight to scans, so they are read as input.
 */

const rangeSchema = z.object({
  type: z.string(),
  events: z.array(
    z.object({
      introduced: z.string().optional(),
      fixed: z.string().optional(),
      last_affected: z.string().optional(),
      limit: z.string().optional(),
    }),
  ),
});

export const storedAffectedSchema = z.object({
  ecosystem: z.string().min(1),
  stream: z.string().optional(),
  scheme: z.enum(PACKAGE_KINDS),
  package: z.string().min(1),
  nameKind: z.enum(['binary', 'source']),
  module: z.string().optional(),
  arches: z.array(z.string()).optional(),
  status: z.enum(['fixed', 'affected', 'fix-deferred', 'will-not-fix', 'out-of-support', 'not-affected']),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(z.string()).optional(),
  fixedVersion: z.string().optional(),
  fixAdvisory: z.string().optional(),
  fixAvailableSince: z.string().optional(),
}) satisfies z.ZodType<AffectedPackage>;

export const storedAdvisorySchema = z.object({
  id: z.string().min(1),
  source: z.enum(ADVISORY_SOURCES),
  aliases: z.array(z.string()),
  summary: z.string().optional(),
  severity: z.string().optional(),
  published: z.string().optional(),
  modified: z.string().optional(),
  withdrawn: z.string().optional(),
  references: z.array(z.string()).optional(),
}) satisfies z.ZodType<Omit<AdvisoryRecord, 'affected'>>;
