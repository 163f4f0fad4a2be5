import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.js';

describe('createRateLimiter', () => {
  it('allows a burst, then one call per 60000/perMinute ms, per key, and says when to retry', () => {
    let now = 0;
    const limiter = createRateLimiter(() => now);
    const limit = { perMinute: 6, burst: 2 };
    expect([limiter.take('a', limit), limiter.take('a', limit)]).toEqual([undefined, undefined]);
    expect(limiter.take('a', limit)).toBe(10);
    expect(limiter.take('b', limit)).toBeUndefined();
    now += 9_999;
    expect(limiter.take('a', limit)).toBe(1);
    now += 1;
    expect(limiter.take('a', limit)).toBeUndefined();
    // Idle time refills up to the burst, never beyond.
    now += 10 * 60_000;
    expect([limiter.take('a', limit), limiter.take('a', limit), limiter.take('a', limit)]).toEqual([
      undefined,
      undefined,
      10,
    ]);
  });
});
