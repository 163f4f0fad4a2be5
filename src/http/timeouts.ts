import type { ReadableStreamDefaultReader, ReadableStreamReadResult } from 'node:stream/web';

/**
 * How long one request may stay silent. Node's fetch waits up to five minutes for response headers and five more
 * between body chunks, and has no bound on connecting but the operating system's (minutes), so a server that accepts a
 * connection and then stalls held a caller (a host's pull through the gateway) for minutes per attempt. Each bound
 * fails the attempt with the network error code it stands for, which the retry policy (and a blob's resumption)
 * treats like a broken connection.
 */
export interface RequestTimeouts {
  /** From starting to connect to the connection being ready (TLS included). */
  connectMs: number;
  /** From sending the request to its response headers; connecting included where the transport cannot tell the two
   * apart (a blob GET over node:http). An upload's clock starts once its body is sent. */
  responseMs: number;
  /** The longest wait for the next chunk of a response body. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: RequestTimeouts = { connectMs: 10_000, responseMs: 60_000, idleMs: 60_000 };

export type TimeoutCode = 'UND_ERR_CONNECT_TIMEOUT' | 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT';

/** A timeout as the network error it stands for: the code is one fetchWithRetry retries. */
export function timeoutError(code: TimeoutCode, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set<TimeoutCode>([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function isTimeoutCode(code: string | undefined): code is TimeoutCode {
  return code !== undefined && TIMEOUT_CODES.has(code);
}

/** What each timeout means, in words for an error message. */
export function timeoutProblem(code: TimeoutCode, timeouts: RequestTimeouts): string {
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no connection within ${seconds(timeouts.connectMs)}`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `no response within ${seconds(timeouts.responseMs)}`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `no data for ${seconds(timeouts.idleMs)}`;
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)}s`;
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
    timer = setTimeout(() => reject(timeoutError('UND_ERR_BODY_TIMEOUT', `no data for ${seconds(idleMs)}`)), idleMs);
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
