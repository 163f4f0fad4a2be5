import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A token server as in the distribution token-auth spec, small enough to read: it answers
 * `GET /token?service=…&scope=…` with a JWT signed by a key whose self-signed certificate the registry trusts
 * (its `rootcertbundle`). The certificate rides in the JWT's x5c header, which is how distribution finds the key.
 * A policy decides per request what to grant, so tests can refuse a login (401), deny outright (403) or grant less
 * than asked (the registry then answers 401 insufficient_scope).
 */
export interface TokenRequest {
  /** The basic-auth user, when the client sent credentials. */
  username?: string;
  password?: string;
  service: string | null;
  scopes: string[];
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export type TokenDecision = { status: 401 | 403 } | { access: Access[] };

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate file to give the registry as rootcertbundle. */
  rootCertBundle: string;
  /** Every token request so far. */
  requests: TokenRequest[];
  setPolicy(policy: (request: TokenRequest) => TokenDecision): void;
  stop(): Promise<void>;
}

/** Grants every scope asked for to anyone whose credentials match `users`; anonymous callers get no access. */
export function grantUsers(users: Record<string, string>): (request: TokenRequest) => TokenDecision {
  return (request) => {
    if (request.username === undefined) return { access: [] };
    if (users[request.username] !== request.password) return { status: 401 };
    return { access: request.scopes.map(parseScope).filter((a): a is Access => a !== undefined) };
  };
}

export function parseScope(scope: string): Access | undefined {
  // repository:NAME:ACTIONS, where NAME may itself contain a host:port colon; the actions follow the last colon.
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenServer(users: Record<string, string>): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'patchline-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2'].concat([
      '-subj',
      '/CN=patchline-test-token-signer',
    ]),
    { stdio: 'ignore' },
  );
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = readFileSync(certPath, 'utf8')
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  const service = 'patchline-test-registry';
  const issuer = 'patchline-test-issuer';
  const requests: TokenRequest[] = [];
  let policy = grantUsers(users);

  const issue = (subject: string, access: Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(sign('sha256', Buffer.from(signingInput), key))}`;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const request: TokenRequest = {
      service: url.searchParams.get('service'),
      scopes: url.searchParams.getAll('scope'),
    };
    const authorization = req.headers.authorization ?? '';
    if (authorization.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      request.username = decoded.slice(0, colon);
      request.password = decoded.slice(colon + 1);
    }
    requests.push(request);
    const decision = policy(request);
    res.setHeader('content-type', 'application/json');
    if ('status' in decision) {
      res.statusCode = decision.status;
      const code = decision.status === 401 ? 'UNAUTHORIZED' : 'DENIED';
      res.end(JSON.stringify({ errors: [{ code, message: `token server says ${code.toLowerCase()}` }] }));
      return;
    }
    const token = issue(request.username ?? '', decision.access);
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: certPath,
    requests,
    setPolicy(next) {
      policy = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
