import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../core/index.js';

/**
 * Retries of one HTTP request. A server that is rate limiting (429) or briefly failing (5xx, reset connections)
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

/** fetch says only "fetch failed"; the useful words are in the innermost cause. */
export function networkErrorMessage(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : current.cause;
  }
  return message;
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

/** What a retry is about, for its log record. */
export interface RetryTarget {
  method: string;
  url: string;
}

/** Where a request stands between attempts: how many were made and how long it has waited so far. */
export interface RetryState {
  /** Attempts made, the failed one included. */
  attempt: number;
  waitedMs: number;
  startedMs: number;
}

/**
 * The wait before the next attempt, or undefined when the policy says to give up: attempts used up, or a wait (our
 * backoff or the server's Retry-After) that would pass a bound. A server asking us to wait longer than our bounds
 * allow will not be served by waiting less, so then we give up at once.
 */
export function nextWait(policy: RetryPolicy, state: RetryState, retryAfterMs: number | undefined): number | undefined {
  if (state.attempt >= policy.attempts) return undefined;
  const delay = retryAfterMs ?? backoffDelay(state.attempt, policy);
  const late = policy.clock.now() - state.startedMs + delay > policy.deadlineMs;
  if (delay > policy.maxDelayMs || state.waitedMs + delay > policy.maxTotalWaitMs || late) return undefined;
  return delay;
}

/** Every retry is logged: a run that is slow because a server is unwell should say so, not sit silent. */
export function logRetry(
  target: RetryTarget,
  attempt: number,
  waitMs: number,
  failure: { status: number } | { code: string | undefined; reason: string },
): void {
  const why = 'status' in failure ? `HTTP ${failure.status}` : (failure.code ?? failure.reason);
  // Without its query: a signed URL (object storage behind a registry, an upload's state) carries secrets there.
  const url = new URL(target.url);
  const shown = `${url.origin}${url.pathname}`;
  logger().warn(
    { url: shown, method: target.method, attempt, waitMs, ...failure },
    `retrying ${target.method} ${shown} in ${waitMs} ms after ${why} (attempt ${attempt} failed)`,
  );
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
  target: RetryTarget,
): Promise<Response> {
  const state: RetryState = { attempt: 0, waitedMs: 0, startedMs: policy.clock.now() };
  for (;;) {
    state.attempt++;
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await send(state.attempt);
    } catch (error) {
      failure = error;
    }
    const retryable = response ? isRetryableStatus(response.status) : isRetryableNetworkError(failure);
    const retryAfter = response ? parseRetryAfter(response.headers.get('retry-after'), policy.clock.now()) : undefined;
    const wait = retryable ? nextWait(policy, state, retryAfter) : undefined;
    if (wait === undefined) {
      if (response) return response;
      throw failure;
    }
    // The discarded response's body must be consumed or cancelled, or its connection is never reused.
    await response?.body?.cancel().catch(() => undefined);
    logRetry(
      target,
      state.attempt,
      wait,
      response
        ? { status: response.status }
        : { code: networkErrorCode(failure), reason: networkErrorMessage(failure) },
    );
    await policy.clock.sleep(wait);
    state.waitedMs += wait;
  }
}
