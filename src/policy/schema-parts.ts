import { z } from 'zod';
import { DURATION_HINT, DURATION_PATTERN, durationSeconds } from '../duration.js';

/** Schema pieces more than one policy rule's section uses. */

// `0` (the strict zero-CVE posture), or days/hours/... as people write them: the tool's one grammar (src/duration.ts),
// whose pattern is also what the editors' JSON Schema checks.
const DURATION_MESSAGE = `expected ${DURATION_HINT}`;

export const duration = z
  .union(
    [
      z.literal(0),
      z
        .string()
        .regex(DURATION_PATTERN, { message: DURATION_MESSAGE, abort: true })
        .refine((text) => durationSeconds(text) !== undefined, DURATION_MESSAGE),
    ],
    { error: DURATION_MESSAGE },
  )
  .describe('A duration: 0, or a number with a unit, e.g. 72h, 30d, 2w, 1d12h');

export const glob = z
  .string()
  .min(1, 'expected a package name or glob (* and ?)')
  .describe('A package name, or a glob over package names (* any characters, ? one character)');

export const nonEmpty = (what: string) => z.string().trim().min(1, `expected ${what}`);

export const expires = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: 'expected a date (2026-12-31) or a date and time (2026-12-31T12:00:00Z)',
  })
  .describe('When the exception stops applying: a date (its start, 00:00 UTC) or an ISO 8601 date and time');
