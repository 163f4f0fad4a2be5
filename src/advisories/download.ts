import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { PatchlineError, readBounded, renameDurably } from '../core/index.js';
import {
  httpFetch,
  isRetryableStatus,
  logRetry,
  networkErrorCode,
  networkErrorMessage,
  nextWait,
  parseRetryAfter,
  type RetryClock,
  type RetryPolicy,
  retryPolicy,
  systemClock,
} from '../http/index.js';
import type { Validators } from './sync-state.js';

/**
 * Downloads of feed files: conditional (the validators of the copy we hold give a 304 when nothing changed),
 * resumable (bytes land in `<file>.part`, described by `<file>.part.json`; a later attempt, in this run or the next,
 * asks for the rest with Range + If-Range, so a publisher that changed the file meanwhile sends it whole), retried
 * by the shared policy (src/http: backoff with jitter, Retry-After honoured, each retry logged), bounded in size and
 * idle time, and verified against the checksums the publisher
 * publishes before the file takes its final name.
 */
export interface HttpOptions {
  /** Attempts per file, the first included. Default 4. */
  attempts?: number;
  /** The first backoff; each retry doubles it. Default 500 ms. */
  baseDelayMs?: number;
  /** An attempt that receives no byte (answer or body) for this long is abandoned (and retried). Default 60 s. */
  idleTimeoutMs?: number;
  userAgent?: string;
  /** Time and chance for the retries, injectable for tests; what is not given is the system's. */
  clock?: Partial<RetryClock>;
}

export interface DownloadRequest {
  url: string;
  /** The file to produce. Its `.part` and `.part.json` sit beside it until it is complete and verified. */
  path: string;
  /** Validators of the copy the database holds: when the server says it is still current, nothing is downloaded. */
  known?: Validators;
  maxBytes: number;
  /** The SHA-256 (hex) the publisher published for this file, checked before the file is trusted. */
  sha256?: string;
  /** A checksum of another algorithm the publisher published (an rpm repository's repomd.xml may use SHA-1 or SHA-512). */
  digest?: { algorithm: DigestAlgorithm; hex: string };
}

export type DigestAlgorithm = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export type DownloadResult =
  | { status: 'unchanged' }
  | { status: 'downloaded'; path: string; bytes: number; validators: Validators; verified: ChecksumKind[] };

export type ChecksumKind = 'md5' | DigestAlgorithm;

const partMetaSchema = z.object({
  url: z.string(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  /** Base64 MD5 of the whole file, from Google Cloud Storage's `x-goog-hash`. */
  md5: z.string().optional(),
  /** The whole file's size, when the server said it. */
  total: z.number().optional(),
});
type PartMeta = z.infer<typeof partMetaSchema>;

/**
 * A failure worth another attempt: the connection broke, the server was briefly unwell (with the status it answered
 * and how long it asked us to wait), the body came short.
 */
class TransientFailure extends Error {
  constructor(
    message: string,
    readonly answer?: { status: number; retryAfterMs: number | undefined },
  ) {
    super(message);
  }
}

export async function download(request: DownloadRequest, options: HttpOptions = {}): Promise<DownloadResult> {
  return withRetries(
    request.url,
    options,
    async () => {
      const meta = await attemptDownload(request, options);
      if (meta === undefined) return { status: 'unchanged' } as const;
      return await finish(request, meta);
    },
    (attempts, error) => `download failed after ${attempts} attempts (${describe(error)}); the next run resumes it`,
  );
}

/**
 * Runs `attempt` until it succeeds, fails in a way another attempt cannot mend (a PatchlineError), or the retry
 * policy gives up; then the last failure becomes a PatchlineError naming the URL.
 */
async function withRetries<T>(
  url: string,
  options: HttpOptions,
  attempt: () => Promise<T>,
  problem: (attempts: number, error: unknown) => string,
): Promise<T> {
  const policy = feedRetryPolicy(options);
  const state = { attempt: 0, waitedMs: 0, startedMs: policy.clock.now() };
  for (;;) {
    state.attempt++;
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof PatchlineError) throw error;
      const answer = error instanceof TransientFailure ? error.answer : undefined;
      const wait = nextWait(policy, state, answer?.retryAfterMs);
      if (wait === undefined) {
        throw new PatchlineError('registry', url, problem(state.attempt, error), { cause: error });
      }
      logRetry(
        { method: 'GET', url },
        state.attempt,
        wait,
        answer ? { status: answer.status } : { code: networkErrorCode(error), reason: networkErrorMessage(error) },
      );
      await policy.clock.sleep(wait);
      state.waitedMs += wait;
    }
  }
}

function feedRetryPolicy(options: HttpOptions): RetryPolicy {
  return retryPolicy({
    attempts: options.attempts ?? 4,
    baseDelayMs: options.baseDelayMs ?? 500,
    clock: feedClock(options),
  });
}

function feedClock(options: HttpOptions): RetryClock {
  return { ...systemClock, ...options.clock };
}

/**
 * A small document (a change list's checksum file, a pointer like `archive_latest.txt`) read whole into memory.
 * Returns undefined when the server has no such file (404), which for optional files means "not published".
 */
export async function fetchSmall(
  url: string,
  maxBytes: number,
  options: HttpOptions = {},
): Promise<string | undefined> {
  return withRetries(
    url,
    options,
    async () => {
      const response = await send(url, {}, options);
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel().catch(() => undefined);
        return undefined;
      }
      checkStatus(response, url, [200]);
      try {
        const body = Readable.fromWeb(response.body as WebReadableStream);
        return (await readBounded(body, maxBytes, url)).toString('utf8');
      } catch (error) {
        throw stalled(error, options) ?? error;
      }
    },
    (attempts, error) => `request failed after ${attempts} attempts (${describe(error)})`,
  );
}

/** One exchange. Returns the part's description when the part now holds the whole file, undefined on a 304. */
async function attemptDownload(request: DownloadRequest, options: HttpOptions): Promise<PartMeta | undefined> {
  const part = `${request.path}.part`;
  const previous = await readPartMeta(request);
  const offset = previous === undefined ? 0 : await fileSize(part);
  const headers: Record<string, string> = {};
  const ifRange = previous === undefined ? undefined : rangeValidator(previous);
  if (previous !== undefined && ifRange !== undefined && offset > 0) {
    headers.range = `bytes=${offset}-`;
    headers['if-range'] = ifRange;
  } else {
    // A part we cannot resume safely is started over; only then is the held copy's validator worth sending.
    await rm(part, { force: true });
    if (request.known?.etag) headers['if-none-match'] = request.known.etag;
    if (request.known?.lastModified) headers['if-modified-since'] = request.known.lastModified;
  }
  const resuming = headers.range !== undefined;

  try {
    const response = await send(request.url, headers, options);
    if (response.status === 304 && !resuming) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    if (response.status === 416) {
      // The part is no prefix of the current file (it is as long or longer): start over on the next attempt.
      await response.body?.cancel().catch(() => undefined);
      await discardPart(request);
      throw new TransientFailure('the server refused the resume range');
    }
    checkStatus(response, request.url, resuming ? [200, 206] : [200]);

    let start = 0;
    let total = numberHeader(response.headers.get('content-length'));
    if (response.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      if (range === null || Number(range[1]) !== offset) {
        await response.body?.cancel().catch(() => undefined);
        await discardPart(request);
        throw new TransientFailure(
          `the server answered the resume with Content-Range "${response.headers.get('content-range')}"`,
        );
      }
      start = offset;
      total = range[2] === '*' ? undefined : Number(range[2]);
    }
    if (total !== undefined && total > request.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new PatchlineError('limit', request.url, `is ${total} bytes, more than the ${request.maxBytes} allowed`);
    }
    const meta = partMeta(request.url, response, total, previous, start > 0);
    await writeFile(`${part}.json`, JSON.stringify(meta));
    if (response.body === null) throw new TransientFailure('the response has no body');
    let seen = start;
    await appendBody(Readable.fromWeb(response.body as WebReadableStream), part, start > 0, (chunk) => {
      seen += chunk.length;
      if (seen > request.maxBytes) {
        throw new PatchlineError('limit', request.url, `is larger than the ${request.maxBytes} bytes allowed`);
      }
    });
    const size = await fileSize(part);
    if (meta.total !== undefined && size !== meta.total) {
      throw new TransientFailure(`the body ended after ${size} of ${meta.total} bytes`);
    }
    return meta;
  } catch (error) {
    // An oversized file is not kept to be resumed into the same refusal.
    if (error instanceof PatchlineError && error.kind === 'limit') await discardPart(request);
    throw stalled(error, options) ?? error;
  }
}

/** A server that went silent, before its answer or in its body, said in the idle bound's own words. */
function stalled(error: unknown, options: HttpOptions): TransientFailure | undefined {
  const code = networkErrorCode(error);
  if (code !== 'UND_ERR_HEADERS_TIMEOUT' && code !== 'UND_ERR_BODY_TIMEOUT') return undefined;
  return new TransientFailure(`no data for ${idleTimeout(options)} ms`);
}

function idleTimeout(options: HttpOptions): number {
  return options.idleTimeoutMs ?? 60_000;
}

/** Checks the complete part against the published checksums, then gives it its final name. */
async function finish(request: DownloadRequest, meta: PartMeta): Promise<DownloadResult> {
  const part = `${request.path}.part`;
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const other = request.digest === undefined ? undefined : createHash(request.digest.algorithm);
  let bytes = 0;
  for await (const chunk of createReadStream(part)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
    other?.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  const verified: ChecksumKind[] = [];
  const mismatch = async (kind: string, actual: string, expected: string) => {
    // A corrupt part must not be resumed: the next attempt starts from byte 0.
    await discardPart(request);
    return new PatchlineError(
      'integrity',
      request.url,
      `${kind} of the downloaded file is ${actual}, but the publisher says ${expected}; the file was discarded`,
    );
  };
  if (meta.md5 !== undefined) {
    const actual = md5.digest('base64');
    if (actual !== meta.md5) throw await mismatch('MD5', actual, meta.md5);
    verified.push('md5');
  }
  if (request.sha256 !== undefined) {
    const actual = sha256.digest('hex');
    if (actual !== request.sha256.toLowerCase()) throw await mismatch('SHA-256', actual, request.sha256);
    verified.push('sha256');
  }
  if (request.digest !== undefined && other !== undefined) {
    const actual = other.digest('hex');
    const { algorithm, hex } = request.digest;
    if (actual !== hex.toLowerCase()) throw await mismatch(algorithm.replace('sha', 'SHA-'), actual, hex);
    verified.push(algorithm);
  }
  await renameDurably(part, request.path);
  await rm(`${part}.json`, { force: true });
  const validators: Validators = {};
  if (meta.etag !== undefined) validators.etag = meta.etag;
  if (meta.lastModified !== undefined) validators.lastModified = meta.lastModified;
  return { status: 'downloaded', path: request.path, bytes, validators, verified };
}

async function send(url: string, headers: Record<string, string>, options: HttpOptions): Promise<Response> {
  // identity: fetch would otherwise ask for gzip and inflate it, and then neither byte ranges nor sizes nor the
  // publisher's checksums (computed over the stored bytes) would refer to what we receive.
  const init: RequestInit = {
    headers: { 'user-agent': options.userAgent ?? 'patchline', 'accept-encoding': 'identity', ...headers },
  };
  const idleMs = idleTimeout(options);
  const response = await httpFetch(url, init, { responseMs: idleMs, idleMs });
  if (isRetryableStatus(response.status)) {
    await response.body?.cancel().catch(() => undefined);
    throw new TransientFailure(`HTTP ${response.status}`, {
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), feedClock(options).now()),
    });
  }
  return response;
}

function checkStatus(response: Response, url: string, ok: readonly number[]): void {
  if (ok.includes(response.status)) return;
  void response.body?.cancel().catch(() => undefined);
  if (response.status === 404 || response.status === 410) {
    throw new PatchlineError('not-found', url, `the server has no such file (HTTP ${response.status})`);
  }
  throw new PatchlineError('registry', url, `the server answered HTTP ${response.status}`);
}

async function readPartMeta(request: DownloadRequest): Promise<PartMeta | undefined> {
  try {
    const parsed = partMetaSchema.safeParse(JSON.parse(await readFile(`${request.path}.part.json`, 'utf8')));
    // A part of another URL (the feed moved to a mirror) or with no way to check it is still current is not resumed.
    if (!parsed.success || parsed.data.url !== request.url) return undefined;
    return parsed.data;
  } catch {
    return undefined;
  }
}

function partMeta(
  url: string,
  response: Response,
  total: number | undefined,
  previous: PartMeta | undefined,
  resumed: boolean,
): PartMeta {
  const meta: PartMeta = { url };
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  const md5 = /(?:^|[\s,])md5=([A-Za-z0-9+/]+=*)/.exec(response.headers.get('x-goog-hash') ?? '')?.[1];
  const kept = resumed ? previous : undefined;
  const e = etag ?? kept?.etag;
  const l = lastModified ?? kept?.lastModified;
  const m = md5 ?? kept?.md5;
  if (e) meta.etag = e;
  if (l) meta.lastModified = l;
  if (m) meta.md5 = m;
  if (total !== undefined) meta.total = total;
  return meta;
}

/** If-Range takes a strong ETag or a date; a weak ETag cannot prove the bytes are the same. */
function rangeValidator(meta: PartMeta): string | undefined {
  if (meta.etag !== undefined && !meta.etag.startsWith('W/')) return meta.etag;
  return meta.lastModified;
}

async function discardPart(request: DownloadRequest): Promise<void> {
  await rm(`${request.path}.part`, { force: true });
  await rm(`${request.path}.part.json`, { force: true });
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

function numberHeader(value: string | null): number | undefined {
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * Writes the body into the part, and when the connection breaks, still writes what had arrived before rethrowing:
 * a pipeline would destroy the file stream with the bytes it had not written yet (on a busy machine, all of them),
 * and the next attempt would resume from less than was received.
 */
async function appendBody(
  body: Readable,
  part: string,
  append: boolean,
  check: (chunk: Buffer) => void,
): Promise<void> {
  const file = createWriteStream(part, { flags: append ? 'a' : 'w' });
  const fileError = new Promise<never>((_resolve, reject) => file.once('error', reject));
  fileError.catch(() => undefined);
  try {
    for await (const chunk of body) {
      check(chunk);
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), fileError]);
    }
  } finally {
    body.destroy();
    await Promise.race([new Promise<void>((resolve) => file.end(resolve)), fileError]);
  }
}
