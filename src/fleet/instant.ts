import { z } from 'zod';

/**
 * A moment handed in by the caller. Nothing in fleet/ reads the clock: every decision takes `now` as an argument, so
 * the same state and the same moment always give the same answer, in tests and in simulations alike.
 */
export type Instant = number | Date;

/** Milliseconds since the epoch for a moment given either as such or as a Date. */
export function toMillis(instant: Instant): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isFinite(ms)) {
    throw new RangeError(`not a moment in time: ${String(instant)}`);
  }
  return ms;
}

/** Resources carry times as RFC 3339 strings in UTC, as Kubernetes objects do, so they read well as JSON and YAML. */
export function toTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

export function fromTimestamp(timestamp: string): number {
  return Date.parse(timestamp);
}

export const timestampSchema = z.iso.datetime({ offset: true });
