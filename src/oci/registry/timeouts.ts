import type { ReadableStreamDefaultReader, ReadableStreamReadResult } from 'node:stream/web';

/**
 * How long one registry request may stay silent. Node's fetch waits up to five minutes for response headers and
 * five more between body chunks, so a registry that accepts a connection and then stalls held a caller (a host's
 * pull through the gateway) for minutes per attempt. Both bounds fail the attempt with an error the retry policy
 * and the blob resumption treat like a broken connection.
 */
export interface RequestTimeouts {
  /** From sending the request to its response headers, connecting included. Not for uploads, which answer only
   * once their body is sent. */
  responseMs: number;
  /** The longest wait for the next chunk of a response body. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: RequestTimeouts = { responseMs: 60_000, idleMs: 60_000 };

/** A timeout as the network error it stands for: the code is one fetchWithRetry retries. */
export function timeoutError(code: 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT', message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** fetch, failing with UND_ERR_HEADERS_TIMEOUT when no response headers arrived within `responseMs`. */
export async function fetchWithin(url: string, init: RequestInit, responseMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(timeoutError('UND_ERR_HEADERS_TIMEOUT', `no response within ${Math.round(responseMs / 1000)}s`)),
    responseMs,
  );
  try {
    // The signal also ends the body if it fires later; the timer is cleared before that can happen.
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The next chunk of a body, failing with UND_ERR_BODY_TIMEOUT (and cancelling the body) when none comes within
 * `idleMs`.
 */
export async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(timeoutError('UND_ERR_BODY_TIMEOUT', `no data for ${Math.round(idleMs / 1000)}s`)),
      idleMs,
    );
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
