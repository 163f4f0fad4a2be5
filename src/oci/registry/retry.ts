import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries of one registry request. A registry that is rate limiting (429) or briefly failing (5xx, reset connections)
 * usually recovers within seconds, so a few spaced attempts turn a failed pull into a slow one. Bounds on both the
 * attempts and the total wait keep a dead registry from hanging a run.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** The first backoff; each retry doubles it. */
  baseDelayMs?: number;
  /** No single wait is longer than this, whatever backoff or Retry-After say. */
  maxDelayMs?: number;
  /** Sum of all waits for one request; a retry that would exceed it is not made. */
  maxTotalWaitMs?: number;
  /** No retry starts later than this after the first attempt did (attempts and waits together); none by default. */
  deadlineMs?: number;
  clock?: RetryClock;
}

/** Time and chance, injectable so tests run without waiting and with known jitter. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
  random: () => Math.random(),
};

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxTotalWaitMs: number;
  deadlineMs: number;
  clock: RetryClock;
}

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    attempts: options.attempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    maxTotalWaitMs: options.maxTotalWaitMs ?? 60_000,
    deadlineMs: options.deadlineMs ?? Number.POSITIVE_INFINITY,
    clock: options.clock ?? systemClock,
  };
}

/** 501 and 505 say the server will never do this; the other 5xx and 429 are worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The error code of a network failure, looking through fetch's `TypeError('fetch failed')` wrapper. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    // Node reports a refused dual-stack connect as an AggregateError whose parts carry the code.
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0];
      continue;
    }
    current = current.cause;
  }
  return undefined;
}

export function isRetryableNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds to wait, or undefined
 * when the header is absent or unreadable (then our own backoff applies).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP date form starts with a day name; without this check Date.parse would take "-5" for a year.
  const date = /^[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so clients that failed together
 * do not come back together, yet no retry comes back immediately. `retry` counts from 1.
 */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + (policy.clock.random() * exponential) / 2);
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  reason: string;
}

/**
 * Sends a request until it succeeds, fails in a way retrying cannot fix, or a bound is reached. `send` is called once
 * per attempt and must build a fresh request each time (a streamed body cannot be replayed). Returns the last response,
 * which may still be a 429 or 5xx when the attempts ran out: the caller turns that into its own error. Throws the last
 * network error the same way.
 */
export async function fetchWithRetry(
  send: (attempt: number) => Promise<Response>,
  policy: RetryPolicy,
  onRetry?: (event: RetryEvent) => void,
): Promise<Response> {
  let waited = 0;
  const started = policy.clock.now();
  for (let attempt = 1; ; attempt++) {
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await send(attempt);
    } catch (error) {
      failure = error;
    }
    const retryable = response ? isRetryableStatus(response.status) : isRetryableNetworkError(failure);
    if (!retryable || attempt >= policy.attempts) {
      if (response) return response;
      throw failure;
    }
    const retryAfter = response ? parseRetryAfter(response.headers.get('retry-after'), policy.clock.now()) : undefined;
    const delay = retryAfter ?? backoffDelay(attempt, policy);
    // A registry asking us to wait longer than our bounds allow will not be served by waiting less: give up now.
    const late = policy.clock.now() - started + delay > policy.deadlineMs;
    if (delay > policy.maxDelayMs || waited + delay > policy.maxTotalWaitMs || late) {
      if (response) return response;
      throw failure;
    }
    // The discarded response's body must be consumed or cancelled, or its connection is never reused.
    await response?.body?.cancel().catch(() => undefined);
    onRetry?.({
      attempt,
      delayMs: delay,
      reason: response ? `HTTP ${response.status}` : String(networkErrorCode(failure)),
    });
    await policy.clock.sleep(delay);
    waited += delay;
  }
}
