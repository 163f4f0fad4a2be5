/**
 * A token bucket per caller (an admin token, a host, or an address for calls without credentials): `perMinute`
 * requests a minute on average, in bursts of up to `burst`. In memory: each controller limits what it serves.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export interface RateLimiter {
  /** Undefined when the call may go ahead; otherwise the seconds until it may be retried. */
  take(key: string, limit: RateLimit): number | undefined;
}

// Buckets of callers gone quiet are dropped when this many are kept, so the map cannot grow without bound.
const MAX_BUCKETS = 200_000;

export function createRateLimiter(clock: () => number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, limit) {
      const now = clock();
      const ratePerMs = limit.perMinute / 60_000;
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: now };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * ratePerMs);
      bucket.at = now;
      if (buckets.size >= MAX_BUCKETS && !buckets.has(key)) prune(buckets, now, ratePerMs, limit.burst);
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
    },
  };
}

function prune(
  buckets: Map<string, { tokens: number; at: number }>,
  now: number,
  ratePerMs: number,
  burst: number,
): void {
  for (const [key, bucket] of buckets) {
    if (bucket.tokens + (now - bucket.at) * ratePerMs >= burst) buckets.delete(key);
  }
}
