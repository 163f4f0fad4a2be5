/**
 * Policy durations: `72h`, `30d`, `2w`, `1d12h`, and `0` (the strict posture of fixes.maxAge). fleet/duration.ts reads
 * rollout durations and refuses zero, and policy/ may not depend on fleet/, hence this small parser of its own.
 */

const UNITS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };
const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a duration such as `72h` or `1d12h` (`0`, `0s` and a YAML number 0 are zero), or undefined. */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (value === 0 || value === '0') return 0;
  if (typeof value !== 'string' || value === '') return undefined;
  const match = DURATION.exec(value);
  if (match === null) return undefined;
  const [, w, d, h, m, s] = match;
  const parts: Array<[string | undefined, number]> = [
    [w, UNITS.w!],
    [d, UNITS.d!],
    [h, UNITS.h!],
    [m, UNITS.m!],
    [s, UNITS.s!],
  ];
  return parts.reduce((total, [count, unit]) => total + Number(count ?? 0) * unit, 0);
}

/** `3d 4h` for a person reading a rule's message; seconds are dropped above an hour. */
export function formatSeconds(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(Math.floor(seconds));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  if (days > 0) return `${sign}${days}d${hours > 0 ? ` ${hours}h` : ''}`;
  if (hours > 0) return `${sign}${hours}h${minutes > 0 ? ` ${minutes}m` : ''}`;
  if (minutes > 0) return `${sign}${minutes}m${secs > 0 ? ` ${secs}s` : ''}`;
  return `${sign}${secs}s`;
}
