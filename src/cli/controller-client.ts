import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import { z } from 'zod';
import { errorKindOfStatus, PatchlineError, readBounded } from '../core/index.js';
import { API_PREFIX } from '../fleet/index.js';
import {
  fetchWithRetry,
  httpFetch,
  isTimeoutCode,
  networkErrorCode,
  networkErrorMessage,
  type RetryOptions,
  type RetryPolicy,
  retryPolicy,
} from '../http/index.js';

/**
 * The admin side of `patchline serve` as the CLI sees it: JSON over HTTP with a bearer token. Every failure becomes a
 * PatchlineError naming the URL and, when the server sent one, its Kubernetes Status message.
 */

export { API_PREFIX };

/** The resources of the admin API by their URL plural. */
export type ResourcePlural = 'fleets' | 'releases' | 'rollouts' | 'hosts' | 'pipelines';

export interface ControllerFlags {
  server?: string;
  tokenFile?: string;
}

/** `--server` and `--token-file`, shared by every command that talks to the controller. */
export function controllerOptions(): Option[] {
  return [
    new Option('--server <url>', 'controller URL (default: $PATCHLINE_SERVER)'),
    new Option('--token-file <path>', 'file holding the admin token (default: $PATCHLINE_ADMIN_TOKEN)'),
  ];
}

const statusSchema = z.object({
  kind: z.literal('Status'),
  message: z.string(),
  reason: z.string().optional(),
  code: z.number().optional(),
});

// A controller answers in kilobytes; a runaway or hostile one must not fill the CLI's memory.
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 60_000;
/**
 * A controller that is restarting or briefly overloaded answers 502/503 or refuses connections for a moment; a few
 * quick retries hide that from the person at the CLI, and a wrong --server still fails within a second or so.
 */
const CONTROLLER_RETRY: RetryOptions = { attempts: 3, baseDelayMs: 250, maxTotalWaitMs: 5_000 };
/** Methods that may be sent twice with the effect of once (RFC 9110 §9.2.2); a POST is never retried. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** Statuses that are answers rather than failures (a 204 from a long poll, a 404 the caller handles). */
  accept?: readonly number[];
  /** How long the controller may take to answer (a long poll asks for more). Default 60 s. */
  timeoutMs?: number;
}

export interface ControllerResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export class ControllerClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly retry: RetryPolicy;

  constructor(baseUrl: string, token: string, retry: RetryOptions = CONTROLLER_RETRY) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.retry = retryPolicy(retry);
  }

  /** The client from flags and environment; fails early, naming what is missing. */
  static async fromFlags(flags: ControllerFlags, env: NodeJS.ProcessEnv = process.env): Promise<ControllerClient> {
    const server = flags.server ?? env.PATCHLINE_SERVER;
    if (server === undefined || server === '') {
      throw new PatchlineError('usage', '--server', 'no controller given (use --server URL or set PATCHLINE_SERVER)');
    }
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new PatchlineError('usage', server, 'is not a URL (expected e.g. http://127.0.0.1:8080)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PatchlineError('usage', server, 'expected an http:// or https:// URL');
    }
    return new ControllerClient(url.href, await adminToken(flags, env));
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ControllerResponse> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const timeouts = { responseMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS };
    const send = () =>
      httpFetch(
        url,
        { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) },
        timeouts,
      );
    let response: Response;
    try {
      response = IDEMPOTENT.has(method)
        ? await fetchWithRetry(send, this.retry, { method, url: url.href })
        : await send();
    } catch (error) {
      throw new PatchlineError('registry', `${method} ${url.href}`, `cannot reach the controller (${cause(error)})`, {
        cause: error,
      });
    }
    const text = await readLimited(response, `${method} ${url.href}`);
    const body = parseBody(text);
    if (response.ok || options.accept?.includes(response.status)) {
      if (text !== '' && body === undefined) {
        throw new PatchlineError('registry', `${method} ${url.href}`, 'the controller answered with invalid JSON');
      }
      return { status: response.status, body };
    }
    const status = statusSchema.safeParse(body);
    const message = status.success
      ? status.data.message
      : `${response.status} ${response.statusText}${text === '' ? '' : `: ${text.slice(0, 200)}`}`;
    throw new PatchlineError(errorKindOfStatus(response.status), `${method} ${url.href}`, message);
  }

  /** GET a JSON document that must be there. */
  async get(path: string, query?: Record<string, string | undefined>): Promise<unknown> {
    return (await this.request('GET', path, query === undefined ? {} : { query })).body;
  }

  resourcePath(plural: ResourcePlural, name?: string, action?: string): string {
    const parts = [API_PREFIX, plural];
    if (name !== undefined) parts.push(encodeURIComponent(name));
    if (action !== undefined) parts.push(action);
    return parts.join('/');
  }
}

/** An admin token kept in a file (so it shows in neither `ps` nor the environment), surrounding space trimmed. */
export async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PatchlineError('input', file, `cannot be read (${cause(error)})`);
  }
  const token = text.trim();
  if (token === '') throw new PatchlineError('input', file, 'is empty (expected the admin token)');
  return token;
}

async function adminToken(flags: ControllerFlags, env: NodeJS.ProcessEnv): Promise<string> {
  if (flags.tokenFile !== undefined) return readTokenFile(flags.tokenFile);
  const token = env.PATCHLINE_ADMIN_TOKEN;
  if (token === undefined || token === '') {
    throw new PatchlineError(
      'usage',
      'PATCHLINE_ADMIN_TOKEN',
      'no admin token (set PATCHLINE_ADMIN_TOKEN or use --token-file)',
    );
  }
  return token;
}

async function readLimited(response: Response, input: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new PatchlineError('limit', input, `the controller's answer is ${declared} bytes, over the limit`);
  }
  if (response.body === null) return '';
  const problem = `the controller's answer exceeds ${MAX_RESPONSE_BYTES} bytes`;
  return (await readBounded(response.body, MAX_RESPONSE_BYTES, input, problem)).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function cause(error: unknown): string {
  const code = networkErrorCode(error);
  // A timeout's own message says which bound it was (httpFetch filled it in); the others are best known by code.
  if (isTimeoutCode(code)) return (error as Error).message;
  return code ?? networkErrorMessage(error);
}
