import { z } from 'zod';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Durations are written the way people say them in YAML ("30m", "4h", "1h30m", "2d") rather than as bare numbers,
// whose unit a reader would have to guess.
const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * The longest duration anything takes: ten years. Every duration is added to a clock reading somewhere (a token's
 * expiry, a host's update deadline), and a date far past this is no date at all (999999999999d threw RangeError).
 */
export const MAX_DURATION_DAYS = 3650;
const MAX_DURATION_MS = MAX_DURATION_DAYS * DAY;

/**
 * Milliseconds in a duration such as "1h30m", or undefined when the text is not one (or is zero long, or longer
 * than MAX_DURATION_DAYS).
 */
export function tryParseDuration(text: string): number | undefined {
  // Anything this long is not a duration a person wrote; and the digits are not worth reading.
  if (text.length > 64) return undefined;
  const match = DURATION_PATTERN.exec(text);
  if (match === null) {
    return undefined;
  }
  const [, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * DAY + Number(hours ?? 0) * HOUR + Number(minutes ?? 0) * MINUTE + Number(seconds ?? 0) * SECOND;
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Milliseconds in a duration that a schema has already accepted. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (${DURATION_EXPECTED})`);
  }
  return ms;
}

const DURATION_EXPECTED = `expected a duration such as 30m, 4h, 1h30m or 2d, at most ${MAX_DURATION_DAYS}d`;

export const durationSchema = z.string().refine((text) => tryParseDuration(text) !== undefined, DURATION_EXPECTED);
