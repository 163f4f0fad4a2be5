import { z } from 'zod';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Durations are written the way people say them in YAML ("30m", "4h", "1h30m", "2d") rather than as bare numbers,
// whose unit a reader would have to guess.
const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Milliseconds in a duration such as "1h30m", or undefined when the text is not one (or is zero long). */
export function tryParseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) {
    return undefined;
  }
  const [, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * DAY + Number(hours ?? 0) * HOUR + Number(minutes ?? 0) * MINUTE + Number(seconds ?? 0) * SECOND;
  return ms > 0 ? ms : undefined;
}

/** Milliseconds in a duration that a schema has already accepted. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (expected e.g. 30m, 4h, 1h30m or 2d)`);
  }
  return ms;
}

export const durationSchema = z
  .string()
  .refine((text) => tryParseDuration(text) !== undefined, 'expected a duration such as 30m, 4h, 1h30m or 2d');
