import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger, setLogger } from '../core/index.js';
import {
  backoffDelay,
  fetchWithRetry,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  type RetryClock,
  retryPolicy,
} from './retry.js';

/** A clock whose sleeps pass at once but are recorded, with time moving forward by what was slept. */
function fakeClock(random = 0.5): RetryClock & { slept: number[] } {
  let now = Date.parse('2024-05-01T12:00:00Z');
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => random,
  };
}

const response = (status: number, headers: Record<string, string> = {}) => new Response('{}', { status, headers });

function connectionError(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
  });

  it('never gives a negative wait for a date already past', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
});

describe('what is retried', () => {
  it('retries 429 and transient 5xx, never 4xx, 501 or 505', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('retries resets and refusals but not TLS or unknown errors', () => {
    expect(isRetryableNetworkError(connectionError('ECONNRESET'))).toBe(true);
    expect(isRetryableNetworkError(connectionError('ECONNREFUSED'))).toBe(true);
    expect(isRetryableNetworkError(connectionError('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe(false);
    expect(isRetryableNetworkError(new Error('boom'))).toBe(false);
  });

  it('finds the code of a dual-stack connect failure inside an AggregateError', () => {
    const aggregate = new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]);
    expect(isRetryableNetworkError(new TypeError('fetch failed', { cause: aggregate }))).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('doubles per retry with half of it jittered, and is capped', () => {
    const low = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, clock: fakeClock(0) });
    const high = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, clock: fakeClock(0.999) });
    expect([1, 2, 3].map((n) => backoffDelay(n, low))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelay(n, high))).toEqual([100, 200, 400]);
    expect(backoffDelay(10, high)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(10, low)).toBe(500);
  });
});

describe('fetchWithRetry', () => {
  const target = { method: 'GET', url: 'http://registry.test/v2/library/app/manifests/1' };
  let records: Record<string, unknown>[] = [];
  const previous = setLogger(
    createLogger({ level: 'info', stream: { write: (line: string) => void records.push(JSON.parse(line)) } }),
  );
  afterEach(() => {
    records = [];
  });
  afterAll(() => setLogger(previous));

  it('waits what Retry-After says, then returns the success', async () => {
    const clock = fakeClock();
    const answers = [response(429, { 'retry-after': '3' }), response(200)];
    const result = await fetchWithRetry(async () => answers.shift()!, retryPolicy({ clock }), target);
    expect(result.status).toBe(200);
    expect(clock.slept).toEqual([3000]);
    expect(records).toEqual([
      expect.objectContaining({ level: 40, url: target.url, method: 'GET', status: 429, attempt: 1, waitMs: 3000 }),
    ]);
    expect(records[0]!.msg).toBe(`retrying GET ${target.url} in 3000 ms after HTTP 429 (attempt 1 failed)`);
  });

  it('honours an HTTP-date Retry-After against the injected clock', async () => {
    const clock = fakeClock();
    const answers = [response(503, { 'retry-after': 'Wed, 01 May 2024 12:00:02 GMT' }), response(200)];
    await fetchWithRetry(async () => answers.shift()!, retryPolicy({ clock }), target);
    expect(clock.slept).toEqual([2000]);
  });

  it('backs off exponentially without Retry-After and returns the last failure when attempts run out', async () => {
    const clock = fakeClock(0);
    let sent = 0;
    const result = await fetchWithRetry(
      async () => {
        sent++;
        return response(502);
      },
      retryPolicy({ attempts: 4, baseDelayMs: 100, clock }),
      target,
    );
    expect(result.status).toBe(502);
    expect(sent).toBe(4);
    expect(clock.slept).toEqual([50, 100, 200]);
  });

  it('starts no retry past the deadline, counting the time the attempts themselves took', async () => {
    const clock = fakeClock(0);
    let sent = 0;
    // Each attempt times out after 4 s of (fake) waiting for an answer.
    const stalled = async () => {
      sent++;
      await clock.sleep(4000);
      throw Object.assign(new Error('no response within 4s'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    };
    await expect(
      fetchWithRetry(stalled, retryPolicy({ attempts: 5, baseDelayMs: 200, deadlineMs: 8000, clock }), target),
    ).rejects.toThrow('no response within 4s');
    // 4 s, a 100 ms wait, 4 s more: a third attempt would start past 8 s.
    expect(sent).toBe(2);
    expect(clock.slept).toEqual([4000, 100, 4000]);
  });

  it('gives up at once when Retry-After asks for longer than the bounds allow', async () => {
    const clock = fakeClock();
    let sent = 0;
    const result = await fetchWithRetry(
      async () => {
        sent++;
        return response(429, { 'retry-after': '3600' });
      },
      retryPolicy({ maxDelayMs: 30_000, clock }),
      target,
    );
    expect(result.status).toBe(429);
    expect(sent).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('stops when the total wait would pass its bound, even with attempts left', async () => {
    const clock = fakeClock();
    let sent = 0;
    await fetchWithRetry(
      async () => {
        sent++;
        return response(503, { 'retry-after': '4' });
      },
      retryPolicy({ attempts: 10, maxTotalWaitMs: 10_000, clock }),
      target,
    );
    expect(clock.slept).toEqual([4000, 4000]);
    expect(sent).toBe(3);
  });

  it('retries a reset connection and rethrows a non-retryable error untouched', async () => {
    const clock = fakeClock();
    let sent = 0;
    const ok = await fetchWithRetry(
      async () => {
        sent++;
        if (sent === 1) throw connectionError('ECONNRESET');
        return response(200);
      },
      retryPolicy({ clock }),
      target,
    );
    expect(ok.status).toBe(200);
    expect(sent).toBe(2);

    const tls = connectionError('CERT_HAS_EXPIRED');
    await expect(fetchWithRetry(async () => Promise.reject(tls), retryPolicy({ clock }), target)).rejects.toBe(tls);
  });

  it('does not retry answers that retrying cannot change', async () => {
    let sent = 0;
    const result = await fetchWithRetry(
      async () => {
        sent++;
        return response(404);
      },
      retryPolicy({ clock: fakeClock() }),
      target,
    );
    expect(result.status).toBe(404);
    expect(sent).toBe(1);
  });
});
