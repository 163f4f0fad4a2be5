import { z } from 'zod';
import { DURATION_HINT, durationSeconds, MAX_DURATION_SECONDS } from '../core/index.js';

/**
 * Rollout durations, in the tool's one duration grammar (src/core/duration.ts). A rollout duration is never zero: a zero
 * timeout or window is a mistake, so these refuse it.
 */

/**
 * The longest duration anything takes: ten years. Every duration is added to a clock reading somewhere (a token's
 * expiry, a host's update deadline), and a date far past this is no date at all (999999999999d threw RangeError).
 */
export const MAX_DURATION_DAYS = MAX_DURATION_SECONDS / 86_400;

/**
 * Milliseconds in a duration such as "1h30m", or undefined when the text is not one (or is zero long, or longer
 * than MAX_DURATION_DAYS).
 */
export function tryParseDuration(text: string): number | undefined {
  const seconds = durationSeconds(text);
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : undefined;
}

/** Milliseconds in a duration that a schema has already accepted. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (expected ${DURATION_HINT}, not 0)`);
  }
  return ms;
}

export const durationSchema = z
  .string()
  .refine((text) => tryParseDuration(text) !== undefined, `expected ${DURATION_HINT}, not 0`);
