import { z } from 'zod';
import { PatchlineError } from '../../core/index.js';
import { readBounded } from './body.js';
import { type AuthChallenge, parseAuthChallenges } from './challenge.js';
import { type Credentials, findCredentials } from './credentials.js';
import { type FailedRequest, readErrorDetail, statusFailure } from './failures.js';

/**
 * What a registry wants before it answers, learned the way docker and containers/image learn it: ask anonymously,
 * read the 401's challenge, then either send basic credentials or fetch a bearer token for the scope and ask again.
 * The challenge is remembered, so later requests carry their authorization from the start.
 */

export type Action = 'pull' | 'push';

/** Token scopes in the distribution spec's syntax: `repository:library/debian:pull,push`. */
export function repositoryScope(repository: string, actions: readonly Action[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** A request needing authorization: which repository's credentials apply and which scopes a token must carry. */
export interface AuthNeed {
  input: string;
  repository: string;
  scopes: string[];
}

/** Sends a GET to the token server with retries; network failures are already PatchlineErrors. */
export type TokenFetch = (
  url: string,
  headers: Record<string, string>,
) => Promise<{ response: Response; attempts: number }>;

export interface AuthOptions {
  registry: string;
  /** Explicit credentials (a --creds flag): used for every repository, before any auth file. */
  credentials?: Credentials;
  authFiles: readonly string[];
  now: () => number;
  fetchToken: TokenFetch;
  /** Token answers are small; this bounds a hostile one. */
  maxTokenBytes: number;
  /** The longest wait for the next chunk of a token answer. */
  idleMs: number;
}

const tokenResponseSchema = z
  .object({
    token: z.string().optional(),
    access_token: z.string().optional(),
    expires_in: z.number().positive().optional(),
  })
  .passthrough();

/** The distribution token spec: a token without expires_in is good for 60 seconds. */
const DEFAULT_TOKEN_SECONDS = 60;

export class RegistryAuth {
  private challenge: Exclude<AuthChallenge, { scheme: 'other' }> | undefined;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly credentials = new Map<string, Promise<Credentials | undefined>>();

  constructor(private readonly options: AuthOptions) {}

  /** The Authorization header to send, given what the registry asked for so far (nothing, before the first 401). */
  async header(need: AuthNeed): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      const credentials = await this.credentialsFor(need.repository);
      return credentials === undefined ? undefined : basicHeader(credentials);
    }
    return `Bearer ${await this.token(challenge, need)}`;
  }

  /**
   * Learns from a 401 and returns the header to try again with, or undefined when another try cannot help (no
   * credentials for a Basic challenge, or the same credentials were already refused). The caller tries again once at
   * most, so a registry that refuses every token cannot keep us asking.
   */
  async afterUnauthorized(response: Response, need: AuthNeed, sent: string | undefined): Promise<string | undefined> {
    const header = response.headers.get('www-authenticate') ?? '';
    const challenges = parseAuthChallenges(header);
    const chosen = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (chosen === undefined) {
      throw new PatchlineError(
        'auth',
        need.input,
        `${this.options.registry} requires authentication but its challenge is not one we support (WWW-Authenticate: ${header || 'missing'})`,
      );
    }
    this.challenge = chosen;
    if (chosen.scheme === 'basic') {
      if (sent?.startsWith('Basic ')) return undefined;
      const credentials = await this.credentialsFor(need.repository);
      return credentials === undefined ? undefined : basicHeader(credentials);
    }
    // A cached token the registry refused (expired early, revoked) is no use any more; a fresh one may do.
    this.tokens.delete(need.scopes.join(' '));
    return `Bearer ${await this.token(chosen, need)}`;
  }

  /** The error for a request still refused after authorizing, telling a missing login from a refused scope. */
  async refused(response: Response, need: AuthNeed, request: FailedRequest): Promise<PatchlineError> {
    const credentials = await this.credentialsFor(need.repository);
    const challenge = parseAuthChallenges(response.headers.get('www-authenticate') ?? '').find(
      (c) => c.scheme === 'bearer',
    );
    if (challenge?.scheme === 'bearer' && challenge.error === 'insufficient_scope') {
      const detail = await readErrorDetail(response);
      const status = `HTTP 401 insufficient_scope${detail ? ` ${detail}` : ''} from ${request.method} ${request.url}`;
      const scopes = need.scopes.join(' ');
      // Without credentials the likely fix is to log in; with them, the account lacks the right.
      const problem = credentials
        ? `access denied: ${this.options.registry} does not grant ${scopes} to user "${credentials.username}" (${status})`
        : `authentication required: ${this.options.registry} does not grant ${scopes} to anonymous users (${status}); log in with \`podman login\` or \`skopeo login\`, or set REGISTRY_AUTH_FILE`;
      return new PatchlineError('auth', need.input, problem);
    }
    return statusFailure(
      response,
      request,
      credentials === undefined
        ? { sentCredentials: false }
        : { sentCredentials: true, username: credentials.username },
    );
  }

  private credentialsFor(repository: string): Promise<Credentials | undefined> {
    if (this.options.credentials) return Promise.resolve(this.options.credentials);
    let found = this.credentials.get(repository);
    if (found === undefined) {
      found = findCredentials(this.options.registry, repository, this.options.authFiles);
      this.credentials.set(repository, found);
    }
    return found;
  }

  private async token(challenge: Extract<AuthChallenge, { scheme: 'bearer' }>, need: AuthNeed): Promise<string> {
    const key = need.scopes.join(' ');
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt > this.options.now()) return cached.token;

    const url = new URL(challenge.realm);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new PatchlineError(
        'auth',
        need.input,
        `${this.options.registry} named a token realm that is not HTTP(S): ${challenge.realm}`,
      );
    }
    if (challenge.service !== undefined) url.searchParams.set('service', challenge.service);
    for (const scope of need.scopes) url.searchParams.append('scope', scope);
    const credentials = await this.credentialsFor(need.repository);
    const headers: Record<string, string> = credentials ? { authorization: basicHeader(credentials) } : {};

    const { response, attempts } = await this.options.fetchToken(url.toString(), headers);
    const where = `GET ${url.toString()}`;
    if (response.status === 401 || response.status === 403) {
      const detail = await readErrorDetail(response);
      const status = `HTTP ${response.status}${detail ? ` ${detail}` : ''} from ${where}`;
      const problem =
        response.status === 403
          ? `access denied: the token server refused ${key} to ${credentials ? `user "${credentials.username}"` : 'anonymous users'} (${status})`
          : credentials
            ? `the token server rejected the credentials of user "${credentials.username}" (${status})`
            : `authentication required: the token server does not give anonymous tokens and no credentials were found for ${this.options.registry} (${status})`;
      throw new PatchlineError('auth', need.input, problem);
    }
    if (!response.ok) {
      throw await statusFailure(
        response,
        { input: need.input, subject: 'token', method: 'GET', url: url.toString(), attempts },
        {
          sentCredentials: credentials !== undefined,
        },
      );
    }
    const body = await readBounded(
      response,
      this.options.maxTokenBytes,
      need.input,
      'token response',
      this.options.idleMs,
    );
    let parsed: z.infer<typeof tokenResponseSchema>;
    try {
      parsed = tokenResponseSchema.parse(JSON.parse(body.toString('utf8')));
    } catch {
      throw new PatchlineError('registry', need.input, `the token server's answer is not a token document (${where})`);
    }
    const token = parsed.token ?? parsed.access_token;
    if (token === undefined || token === '') {
      throw new PatchlineError('registry', need.input, `the token server answered without a token (${where})`);
    }
    // Renew a little before the registry would refuse it, so a long pull does not race the expiry.
    const lifetimeMs = (parsed.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000 * 0.9;
    this.tokens.set(key, { token, expiresAt: this.options.now() + lifetimeMs });
    return token;
  }
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
