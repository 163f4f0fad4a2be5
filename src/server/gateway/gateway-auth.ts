import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/index.js';
import { RegistryError } from './registry-errors.js';

/**
 * Who is pulling. A host authenticates with HTTP Basic (user: its host name, password: its host credential) on any
 * request, or with a bearer token the token endpoint gave it for those same Basic credentials (the Docker token flow,
 * which containers/image follows when `GET /v2/` challenges with Bearer).
 *
 * Tokens are signed claims, short-lived; the key is derived from the admin token (see createAccess), so controllers
 * that share it accept each other's tokens.
 */

export const TOKEN_SERVICE = 'patchline';

/**
 * What a token grants: pull on one repository, for one host holding the credential marked `cred`, until `exp`
 * (seconds since the epoch).
 */
const tokenClaimsSchema = z.object({
  host: z.string().min(1).max(253),
  cred: z.string().min(1).max(64),
  repository: z.string().max(300).nullable(),
  exp: z.number().int(),
});
type TokenClaims = z.infer<typeof tokenClaimsSchema>;

export interface TokenSigner {
  issue(claims: TokenClaims): string;
  verify(token: string, nowSeconds: number): TokenClaims | undefined;
}

export function createTokenSigner(key: Buffer = randomBytes(32)): TokenSigner {
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue(claims) {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    verify(token, nowSeconds) {
      const dot = token.indexOf('.');
      if (dot <= 0 || token.length > 2048) return undefined;
      const payload = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = Buffer.from(sign(payload), 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      const claims = tokenClaimsSchema.safeParse(json);
      return claims.success && claims.data.exp > nowSeconds ? claims.data : undefined;
    },
  };
}

export interface BasicCredentials {
  username: string;
  password: string;
}

export function basicCredentials(request: FastifyRequest): BasicCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,4096})\s*$/i.exec(request.headers.authorization ?? '');
  if (match?.[1] === undefined) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function bearer(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S{1,4096})\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** The host whose Basic credentials these are, or undefined when the name and credential do not go together. */
export async function hostOfBasic(store: Store, credentials: BasicCredentials): Promise<string | undefined> {
  const host = await store.hostOfCredential(credentials.password);
  return host !== undefined && host === credentials.username ? host : undefined;
}

/** How the gateway challenges: the scheme, and the controller's address as hosts reach it, when configured. */
export interface ChallengeOptions {
  scheme: 'bearer' | 'basic';
  /** `serve --public-url`: where the token endpoint is, whatever Host header a request came with. */
  publicUrl?: string | undefined;
}

// A Host header that is only a host name or address and a port, so it can stand in a quoted realm unescaped.
const PLAIN_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/**
 * The WWW-Authenticate challenge the gateway answers unauthenticated requests with. The bearer realm is the token
 * endpoint's URL: from the configured public URL, else from the request's Host header only when that is a plain
 * host[:port] (a client's header must not write into our answer: quotes would let it add parameters). With neither,
 * the challenge is Basic, which needs no URL and which every client pulling from the gateway speaks.
 */
export function challengeFor(
  request: FastifyRequest,
  options: ChallengeOptions,
  repository?: string,
  error?: string,
): string {
  const base =
    options.publicUrl ?? (PLAIN_HOST.test(request.host) ? `${request.protocol}://${request.host}` : undefined);
  if (options.scheme === 'basic' || base === undefined) return 'Basic realm="patchline"';
  const realm = `${base}/v2/token`;
  const parts = [`realm="${realm}"`, `service="${TOKEN_SERVICE}"`];
  if (repository !== undefined) parts.push(`scope="repository:${repository}:pull"`);
  if (error !== undefined) parts.push(`error="${error}"`);
  return `Bearer ${parts.join(',')}`;
}

export type Caller = { host: string; via: 'basic' } | { host: string; via: 'token'; repository: string | null };

/**
 * The caller of a registry request, or a 401 RegistryError with the challenge to answer. A request with wrong
 * credentials is told so (and is counted against its address by the caller); one without any is simply challenged.
 */
export async function authenticate(
  request: FastifyRequest,
  store: Store,
  signer: TokenSigner,
  nowSeconds: number,
  challenge: ChallengeOptions,
  repository?: string,
): Promise<Caller | RegistryError> {
  const token = bearer(request);
  if (token !== undefined) {
    const claims = signer.verify(token, nowSeconds);
    // Bound to the credential it was issued for: a host deleted and enrolled again starts with no valid token.
    if (claims !== undefined && claims.cred === (await store.credentialMarkOf(claims.host))) {
      return { host: claims.host, via: 'token', repository: claims.repository };
    }
    return unauthorized(
      request,
      challenge,
      repository,
      'the bearer token is not valid or has expired',
      'invalid_token',
    );
  }
  const basic = basicCredentials(request);
  if (basic !== undefined) {
    const host = await hostOfBasic(store, basic);
    if (host !== undefined) return { host, via: 'basic' };
    return unauthorized(request, challenge, repository, 'the host name and credential do not match an enrolled host');
  }
  return unauthorized(
    request,
    challenge,
    repository,
    'authentication required: pull with the host name and credential',
  );
}

function unauthorized(
  request: FastifyRequest,
  challenge: ChallengeOptions,
  repository: string | undefined,
  message: string,
  error?: string,
): RegistryError {
  return new RegistryError('UNAUTHORIZED', message, {
    'www-authenticate': challengeFor(request, challenge, repository, error),
  });
}
