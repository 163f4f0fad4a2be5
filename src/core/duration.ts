/**
 * The one duration grammar of Patchline, for policies (`fixes.maxAge: 7d`), rollouts (`offlineTimeout: 30m`) and flags
 * (`scan --db-max-age 72h`): `0`, or whole numbers with units, largest first, each unit at most once: `2w`, `30d`,
 * `1d12h`, `1h30m`, `45s` (w = 7 days). Durations are written as people say them rather than as bare numbers, whose
 * unit a reader would have to guess. Anything longer than ten years is refused as the typo it is (and keeps every
 * value far inside the numbers JavaScript counts exactly).
 */

export const DURATION_PATTERN = /^(?:0|(?=\d)(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?)$/;
export const MAX_DURATION_SECONDS = 3650 * 86_400;
export const DURATION_HINT = 'a duration like 72h, 30d, 2w or 1h30m (units w, d, h, m, s; 0 for none; at most 3650d)';

const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };

/** Seconds in a duration (`0`, and the YAML number 0, are zero), or undefined when it is not one or is too long. */
export function durationSeconds(value: string | number): number | undefined {
  if (value === 0) return 0;
  // Anything this long is not a duration a person wrote, and its digits are not worth reading.
  if (typeof value !== 'string' || value.length > 64 || !DURATION_PATTERN.test(value)) return undefined;
  let seconds = 0;
  for (const [, count, unit] of value.matchAll(/(\d+)([wdhms])/g)) {
    seconds += Number(count) * UNIT_SECONDS[unit!]!;
    if (seconds > MAX_DURATION_SECONDS) return undefined;
  }
  return seconds;
}

/**
 * An age or a duration for a person, in the grammar above, so it reads back: `45s`, `34m`, `5h12m`, `3d`, `3d4h`. Two
 * units at most (the smaller is dropped when it is zero); seconds only under a minute.
 */
export function formatAge(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const total = Math.abs(Math.floor(seconds));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  if (days > 0) return `${sign}${days}d${hours > 0 ? `${hours}h` : ''}`;
  if (hours > 0) return `${sign}${hours}h${minutes > 0 ? `${minutes}m` : ''}`;
  if (minutes > 0) return `${sign}${minutes}m`;
  return `${sign}${total}s`;
}
