import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { timeoutError } from '../../http/index.js';

/**
 * A GET answered with its status and headers as a fetch Response (what the retry policy, the auth flow and the
 * failure messages read) and, when it succeeded, its body as a Node stream. Blob bodies are read this way rather than
 * through fetch: fetch hands each chunk through WHATWG streams and a promise per read, which cost a cold pull through
 * the gateway ~0.7 s of CPU per GB more than node:http (decision 0044). Everything else keeps using fetch.
 */
export interface StreamedAnswer {
  /** Status and headers; for a failure (not 2xx) also its body, read whole (bounded), as fetch would give it. */
  response: Response;
  /** The body of a 2xx answer, not yet read; whoever gets it must read or destroy it. */
  body: IncomingMessage | undefined;
}

/** What fetch follows, and as many times. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** Failure bodies are error documents; more than this of one is not read. */
const FAILURE_BODY_LIMIT = 64 * 1024;

/**
 * GETs `url` following redirects as fetch does (an Authorization header is not sent on to another origin), failing
 * with UND_ERR_HEADERS_TIMEOUT when an answer's headers do not come within `responseMs`.
 */
export async function streamedGet(
  url: string,
  headers: Record<string, string>,
  responseMs: number,
): Promise<StreamedAnswer> {
  let target = new URL(url);
  let sent = headers;
  for (let redirects = 0; ; redirects++) {
    const message = await requestWithin(target, sent, responseMs);
    const status = message.statusCode ?? 0;
    const location = message.headers.location;
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      message.resume();
      if (redirects === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
      const next = new URL(location, target);
      if (next.origin !== target.origin) {
        const { authorization: _dropped, ...rest } = sent;
        sent = rest;
      }
      target = next;
      continue;
    }
    const responseHeaders = new Headers();
    for (let i = 0; i < message.rawHeaders.length; i += 2) {
      responseHeaders.append(message.rawHeaders[i]!, message.rawHeaders[i + 1]!);
    }
    const init = { status, statusText: message.statusMessage ?? '', headers: responseHeaders };
    if (status >= 200 && status < 300) return { response: new Response(null, init), body: message };
    const failureBody = status === 204 || status === 205 || status === 304 ? null : await readFailureBody(message);
    return { response: new Response(failureBody, init), body: undefined };
  }
}

function requestWithin(target: URL, headers: Record<string, string>, responseMs: number): Promise<IncomingMessage> {
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.get(target, { headers }, (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    const timer = setTimeout(
      () =>
        request.destroy(
          timeoutError('UND_ERR_HEADERS_TIMEOUT', `no response within ${Math.round(responseMs / 1000)}s`),
        ),
      responseMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function readFailureBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of message) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= FAILURE_BODY_LIMIT) break;
    }
  } catch {
    // What arrived is all the detail there is; the status alone says what went wrong.
  }
  message.destroy();
  return Buffer.concat(chunks);
}
