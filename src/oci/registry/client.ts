import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { PatchlineError } from '../../core/index.js';
import {
  DEFAULT_TIMEOUTS,
  fetchWithRetry,
  httpFetch,
  type RequestTimeouts,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
} from '../../http/index.js';
import { type Digest, isDigest, sha256Digest, verifyBuffer } from '../digest.js';
import type { ManifestBytes } from '../image-source.js';
import { MANIFEST_ACCEPT } from '../media-types.js';
import { type Action, type AuthNeed, RegistryAuth, repositoryScope } from './auth.js';
import { readBounded, resumingStream } from './body.js';
import { type Credentials, defaultAuthFiles } from './credentials.js';
import { type FailedRequest, networkFailure, type Subject, statusFailure } from './failures.js';
import { streamedGet } from './streamed-get.js';

export interface RegistryClientOptions {
  /**
   * false: talk plain HTTP to this registry (what `--tls-verify=false` means for Patchline). Node's fetch cannot skip
   * certificate checks per request, so an HTTPS registry with a self-signed certificate needs its CA in
   * NODE_EXTRA_CA_CERTS instead. Default true.
   */
  tlsVerify?: boolean;
  /** Overrides the scheme choice: by default plain HTTP is used for loopback hosts and when tlsVerify is false. */
  plainHttp?: boolean;
  /** Auth files to search for credentials, in order; default: defaultAuthFiles(). */
  authFiles?: string[];
  /** Credentials for every repository of this registry, before any auth file. */
  credentials?: Credentials;
  userAgent?: string;
  retry?: RetryOptions;
  /** How many times one blob download may be resumed after its connection broke. Default 5. */
  maxResumes?: number;
  /** Manifests, token answers and tag lists larger than this are refused. Default 4 MiB (what distribution allows). */
  maxJsonBytes?: number;
  /** How long a request may wait for a connection (default 10 s), its answer and a body's next bytes (60 s each). */
  timeouts?: Partial<RequestTimeouts>;
}

export interface ManifestInfo {
  /** Docker-Content-Digest, when the registry sent it. */
  digest?: Digest;
  mediaType: string;
  size?: number;
}

/** One exchange with the registry: built afresh for every attempt, because a streamed body cannot be replayed. */
interface Exchange {
  method: string;
  url: string;
  subject: Subject;
  input: string;
  repository: string;
  actions: Action[];
  /** Scopes beyond this repository's (a cross-repository mount also needs pull on the source). */
  extraScopes?: string[];
  headers?: Record<string, string>;
  body?: () => Promise<NonNullable<RequestInit['body']>>;
  /** A GET whose successful body is read as a Node stream (streamedGet), not through fetch. */
  streamed?: true;
}

/** An answer as `expect` takes it; `body` only for a streamed exchange that succeeded, and then it must be read. */
interface Answer {
  response: Response;
  body?: Readable | undefined;
}

const DEFAULT_MAX_JSON = 4 * 1024 * 1024;

/** 127.0.0.0/8, ::1 and localhost: a registry on this machine, where TLS protects nothing. */
export function isLoopbackHost(host: string): boolean {
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (isIP(hostname) === 4) return hostname.startsWith('127.');
  return hostname === '::1';
}

/**
 * A client for one registry host speaking the OCI distribution API v2. Every method names the repository, so one
 * client serves a whole registry and shares its tokens and retry policy.
 */
export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly auth: RegistryAuth;
  private readonly retry: RetryPolicy;
  private readonly userAgent: string;
  private readonly maxResumes: number;
  private readonly maxJsonBytes: number;
  private readonly timeouts: RequestTimeouts;

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    const plain = options.plainHttp ?? (isLoopbackHost(registry) || options.tlsVerify === false);
    this.baseUrl = `${plain ? 'http' : 'https'}://${registry}`;
    this.retry = retryPolicy(options.retry);
    this.userAgent = options.userAgent ?? 'patchline';
    this.maxResumes = options.maxResumes ?? 5;
    this.maxJsonBytes = options.maxJsonBytes ?? DEFAULT_MAX_JSON;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const authOptions = {
      registry,
      authFiles: options.authFiles ?? defaultAuthFiles(),
      now: () => this.retry.clock.now(),
      maxTokenBytes: this.maxJsonBytes,
      idleMs: this.timeouts.idleMs,
      fetchToken: (url: string, headers: Record<string, string>) =>
        this.send({ method: 'GET', url, subject: 'token', input: registry, repository: '', actions: [], headers }),
    };
    this.auth = new RegistryAuth(
      options.credentials ? { ...authOptions, credentials: options.credentials } : authOptions,
    );
  }

  /** A manifest or index by tag or digest; its bytes are checked against the digest the reference or registry names. */
  async getManifest(repository: string, reference: string, accept: string = MANIFEST_ACCEPT): Promise<ManifestBytes> {
    const input = this.describe(repository, reference);
    const response = await this.expect(
      {
        method: 'GET',
        url: this.url(repository, 'manifests', reference),
        subject: 'manifest',
        input,
        repository,
        actions: ['pull'],
        headers: { accept },
      },
      [200],
    );
    const bytes = await readBounded(response, this.maxJsonBytes, input, 'manifest', this.timeouts.idleMs);
    const header = response.headers.get('docker-content-digest') ?? undefined;
    let digest: Digest;
    if (isDigest(reference)) {
      verifyBuffer(bytes, reference, `manifest ${input}`);
      digest = reference;
    } else {
      digest = sha256Digest(bytes);
      // The registry's word is checked, never taken: a header that disagrees with the bytes means tampering or a bug.
      if (header !== undefined && isDigest(header)) verifyBuffer(bytes, header, `manifest ${input}`);
    }
    return { bytes, mediaType: manifestMediaType(response.headers.get('content-type'), bytes), digest };
  }

  /** The manifest's digest, type and size without its body, or undefined when there is no such manifest. */
  async headManifest(
    repository: string,
    reference: string,
    accept: string = MANIFEST_ACCEPT,
  ): Promise<ManifestInfo | undefined> {
    const response = await this.expect(
      {
        method: 'HEAD',
        url: this.url(repository, 'manifests', reference),
        subject: 'manifest',
        input: this.describe(repository, reference),
        repository,
        actions: ['pull'],
        headers: { accept },
      },
      [200, 404],
    );
    if (response.status === 404) return undefined;
    const info: ManifestInfo = { mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim() };
    const digest = response.headers.get('docker-content-digest');
    if (digest !== null && isDigest(digest)) info.digest = digest;
    const size = response.headers.get('content-length');
    if (size !== null && /^\d+$/.test(size)) info.size = Number(size);
    return info;
  }

  /**
   * A blob's bytes, streamed from `offset`. Redirects (to object storage, typically) are followed; a connection that
   * breaks mid-way is resumed with a Range request. The caller verifies the digest of what it reads.
   */
  async getBlob(repository: string, digest: Digest, options: { offset?: number } = {}): Promise<Readable> {
    const input = this.describe(repository, digest);
    const open = async (offset: number): Promise<Readable> => {
      const exchange: Exchange = {
        method: 'GET',
        url: this.url(repository, 'blobs', digest),
        subject: 'blob',
        input,
        repository,
        actions: ['pull'],
        streamed: true,
      };
      if (offset > 0) exchange.headers = { range: `bytes=${offset}-` };
      const { response, body } = await this.answer(exchange, offset > 0 ? [200, 206] : [200]);
      if (body === undefined)
        throw new PatchlineError('registry', input, `HTTP ${response.status} came without a body`);
      try {
        if (offset > 0) checkRange(response, offset, input);
      } catch (error) {
        body.destroy();
        throw error;
      }
      return body;
    };
    const start = options.offset ?? 0;
    return resumingStream(await open(start), start, open, this.maxResumes, input, this.timeouts.idleMs);
  }

  async blobExists(repository: string, digest: Digest): Promise<boolean> {
    const response = await this.expect(
      {
        method: 'HEAD',
        url: this.url(repository, 'blobs', digest),
        subject: 'blob',
        input: this.describe(repository, digest),
        repository,
        actions: ['pull'],
      },
      [200, 404],
    );
    return response.status === 200;
  }

  /**
   * Uploads a blob: POST opens an upload session, one PUT with `?digest=` sends the whole body (the "monolithic"
   * upload every registry supports). `open` is called once per attempt, since a retried PUT needs a fresh stream.
   */
  async pushBlob(
    repository: string,
    digest: Digest,
    size: number,
    open: () => Readable | Promise<Readable>,
  ): Promise<void> {
    const input = this.describe(repository, digest);
    const start = await this.expect(
      {
        method: 'POST',
        url: `${this.baseUrl}/v2/${repository}/blobs/uploads/`,
        subject: 'upload',
        input,
        repository,
        actions: ['pull', 'push'],
      },
      [202],
    );
    const location = uploadLocation(start, input);
    location.searchParams.set('digest', digest);
    await this.expect(
      {
        method: 'PUT',
        url: location.toString(),
        subject: 'upload',
        input,
        repository,
        actions: ['pull', 'push'],
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        body: async () => (await open()) as AsyncIterable<Uint8Array>,
      },
      [201],
    );
  }

  /**
   * Asks the registry to link a blob it already holds in `fromRepository` into `repository`, saving the upload.
   * Returns false when it would not (the blob is elsewhere, or mounting is not allowed); then push it instead.
   */
  async mountBlob(repository: string, digest: Digest, fromRepository: string): Promise<boolean> {
    const url = new URL(`${this.baseUrl}/v2/${repository}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const input = this.describe(repository, digest);
    const response = await this.expect(
      {
        method: 'POST',
        url: url.toString(),
        subject: 'upload',
        input,
        repository,
        actions: ['pull', 'push'],
        extraScopes: [repositoryScope(fromRepository, ['pull'])],
      },
      [201, 202],
    );
    if (response.status === 201) return true;
    // 202 opened an ordinary upload session instead; close it so it does not linger on the registry.
    const location = uploadLocation(response, input);
    await this.send({
      method: 'DELETE',
      url: location.toString(),
      subject: 'upload',
      input,
      repository,
      actions: ['pull', 'push'],
    })
      .then(({ response: r }) => r.body?.cancel())
      .catch(() => undefined);
    return false;
  }

  /** Stores a manifest under a tag or its digest and returns its digest. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    const input = this.describe(repository, reference);
    const digest = isDigest(reference) ? reference : sha256Digest(bytes);
    if (isDigest(reference)) verifyBuffer(bytes, reference, `manifest ${input}`);
    const response = await this.expect(
      {
        method: 'PUT',
        url: this.url(repository, 'manifests', reference),
        subject: 'manifest',
        input,
        repository,
        actions: ['pull', 'push'],
        headers: { 'content-type': mediaType },
        body: async () => new Uint8Array(bytes),
      },
      [201],
    );
    await response.body?.cancel();
    const stored = response.headers.get('docker-content-digest');
    if (stored !== null && stored !== digest) {
      throw new PatchlineError(
        'integrity',
        input,
        `the registry stored the manifest as ${stored}, but we sent ${digest}`,
      );
    }
    return digest;
  }

  /** All tags of a repository, following `Link: <…>; rel="next"` pages. */
  async listTags(repository: string): Promise<string[]> {
    const input = `${this.registry}/${repository}`;
    const tags: string[] = [];
    let url: string | undefined = `${this.baseUrl}/v2/${repository}/tags/list`;
    // Bounded so a registry whose links go round in circles cannot keep us here.
    for (let page = 0; url !== undefined && page < 1000; page++) {
      const response = await this.expect(
        { method: 'GET', url, subject: 'tags', input, repository, actions: ['pull'] },
        [200],
      );
      const body = await readBounded(response, this.maxJsonBytes, input, 'tag list', this.timeouts.idleMs);
      tags.push(...parseTagList(body, input));
      url = nextLink(response.headers.get('link'), url);
    }
    return tags;
  }

  private url(repository: string, kind: 'manifests' | 'blobs', reference: string): string {
    return `${this.baseUrl}/v2/${repository}/${kind}/${reference}`;
  }

  private describe(repository: string, reference: string): string {
    return `${this.registry}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  /**
   * Sends an exchange with authorization and retries, and returns the response when its status is one of `ok`;
   * any other status becomes the PatchlineError that describes it.
   */
  private async expect(exchange: Exchange, ok: readonly number[]): Promise<Response> {
    return (await this.answer(exchange, ok)).response;
  }

  /** As `expect`, with the body of a streamed exchange. */
  private async answer(exchange: Exchange, ok: readonly number[]): Promise<Answer> {
    const need: AuthNeed = {
      input: exchange.input,
      repository: exchange.repository,
      scopes: [repositoryScope(exchange.repository, exchange.actions), ...(exchange.extraScopes ?? [])],
    };
    let authorization = await this.auth.header(need);
    let { response, attempts, body } = await this.send(exchange, authorization);
    if (response.status === 401) {
      const retryWith = await this.auth.afterUnauthorized(response, need, authorization);
      if (retryWith !== undefined) {
        await response.body?.cancel().catch(() => undefined);
        authorization = retryWith;
        ({ response, attempts, body } = await this.send(exchange, authorization));
      }
    }
    if (ok.includes(response.status)) return { response, body };
    body?.destroy();
    const failed: FailedRequest = { ...exchange, attempts };
    if (response.status === 401) throw await this.auth.refused(response, need, failed);
    throw await statusFailure(response, failed, { sentCredentials: authorization !== undefined });
  }

  /** One exchange with retries; a request that never got an answer becomes a PatchlineError here. */
  private async send(exchange: Exchange, authorization?: string): Promise<Answer & { attempts: number }> {
    let attempts = 0;
    // The last attempt's body: only a 2xx answer has one, and the retry policy returns those at once.
    let body: Readable | undefined;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...exchange.headers };
    if (authorization !== undefined) headers.authorization = authorization;
    try {
      const response = await fetchWithRetry(
        async () => {
          attempts++;
          const init: RequestInit & { duplex?: 'half' } = { method: exchange.method, headers };
          if (exchange.body) {
            init.body = await exchange.body();
            // Node's fetch requires this for a streamed request body.
            init.duplex = 'half';
            return httpFetch(exchange.url, init, this.timeouts);
          }
          if (exchange.streamed) {
            const streamed = await streamedGet(exchange.url, headers, this.timeouts.responseMs);
            body = streamed.body;
            return streamed.response;
          }
          return httpFetch(exchange.url, init, this.timeouts);
        },
        this.retry,
        exchange,
      );
      return { response, attempts, body };
    } catch (error) {
      throw networkFailure(error, { ...exchange, attempts });
    }
  }
}

/** Registries answer with the type they stored; when they do not (or say plain JSON), the document's own field says. */
function manifestMediaType(contentType: string | null, bytes: Buffer): string {
  const type = (contentType ?? '').split(';')[0]!.trim();
  if (type !== '' && type !== 'application/json' && type !== 'text/plain') return type;
  try {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof declared === 'string') return declared;
  } catch {
    // The caller's schema parse reports unreadable manifests with context; here we only pick a type.
  }
  return type;
}

/** A 206 must start exactly where we asked, or the resumed stream would splice the wrong bytes in. */
function checkRange(response: Response, offset: number, input: string): void {
  if (response.status !== 206) {
    void response.body?.cancel().catch(() => undefined);
    throw new PatchlineError(
      'registry',
      input,
      `the registry ignored a range request from byte ${offset} (HTTP ${response.status}), so the download cannot be resumed`,
    );
  }
  const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (range === null || Number(range[1]) !== offset) {
    void response.body?.cancel().catch(() => undefined);
    throw new PatchlineError(
      'registry',
      input,
      `the registry answered a range request from byte ${offset} with Content-Range "${response.headers.get('content-range') ?? ''}"`,
    );
  }
}

/** The upload URL; registries give it absolute or relative to the request, sometimes with state in its query. */
function uploadLocation(response: Response, input: string): URL {
  const location = response.headers.get('location');
  void response.body?.cancel().catch(() => undefined);
  if (location === null || location === '') {
    throw new PatchlineError(
      'registry',
      input,
      `the registry opened an upload without a Location header (${response.url})`,
    );
  }
  return new URL(location, response.url);
}

function parseTagList(body: Buffer, input: string): string[] {
  try {
    const value = JSON.parse(body.toString('utf8')) as { tags?: unknown };
    // distribution answers `"tags": null` for a repository whose tags were all deleted.
    if (value.tags === null || value.tags === undefined) return [];
    if (Array.isArray(value.tags) && value.tags.every((t) => typeof t === 'string')) return value.tags;
  } catch {
    // fall through to the error below
  }
  throw new PatchlineError('registry', input, 'the tag list is not a JSON document with a "tags" array');
}

/** The `rel="next"` target of a Link header, resolved against the page it came with. */
function nextLink(header: string | null, base: string): string | undefined {
  const match = header === null ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  return match?.[1] === undefined ? undefined : new URL(match[1], base).toString();
}
