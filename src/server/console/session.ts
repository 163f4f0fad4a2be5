import { createHmac, randomBytes } from 'node:crypto';
import { sameSecret } from '../../store/index.js';

/**
 * The web console's sessions, kept in a signed cookie rather than in the store (docs/decisions/0058): nothing to
 * migrate, prune or share between controllers, which all derive the same keys from the same tokens.
 *
 * Each role signs with a key derived from its own token, so replacing the admin token (or the viewer token) ends
 * every session opened with the old one. The CSRF token is derived from the session's random nonce with the same
 * key: the page reads it from /ui/api/session and sends it in a header, which a cross-site form cannot do.
 */

export type ConsoleRole = 'admin' | 'viewer';

export interface ConsoleSession {
  role: ConsoleRole;
  expiresAt: number;
  csrf: string;
}

export const SESSION_COOKIE = 'patchline_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SessionKeys {
  /** Which role a token opens, if any (compared in constant time). */
  roleOfToken(token: string): ConsoleRole | undefined;
  open(role: ConsoleRole, now: number): { cookie: string; session: ConsoleSession };
  /** The session a cookie value carries, when its signature holds and it has not expired. */
  verify(cookie: string, now: number): ConsoleSession | undefined;
}

/**
 * Keys from the admin token and the optional viewer token. Without an admin token (--insecure-no-admin-token) the
 * admin API is open to anyone, and so is the console: any token signs in as admin, with a key that lasts as long as
 * the process.
 */
export function sessionKeys(adminToken: string | null, viewerToken: string | null): SessionKeys {
  const keys: Record<ConsoleRole, Buffer | undefined> = {
    admin: deriveKey(adminToken ?? randomBytes(32).toString('hex')),
    viewer: viewerToken === null ? undefined : deriveKey(viewerToken),
  };
  const sign = (role: ConsoleRole, text: string): string =>
    createHmac('sha256', keys[role]!).update(text).digest('base64url');
  const csrfOf = (role: ConsoleRole, nonce: string): string => sign(role, `csrf.${nonce}`);
  return {
    roleOfToken(token) {
      if (adminToken === null) return 'admin';
      if (sameSecret(token, adminToken)) return 'admin';
      if (viewerToken !== null && sameSecret(token, viewerToken)) return 'viewer';
      return undefined;
    },
    open(role, now) {
      const nonce = randomBytes(18).toString('base64url');
      const expiresAt = now + SESSION_TTL_MS;
      const body = `v1.${role}.${expiresAt}.${nonce}`;
      return { cookie: `${body}.${sign(role, body)}`, session: { role, expiresAt, csrf: csrfOf(role, nonce) } };
    },
    verify(cookie, now) {
      const parts = cookie.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') return undefined;
      const [, role, expires, nonce, signature] = parts as [string, string, string, string, string];
      if (role !== 'admin' && role !== 'viewer') return undefined;
      if (keys[role] === undefined) return undefined;
      if (!sameSecret(signature, sign(role, `v1.${role}.${expires}.${nonce}`))) return undefined;
      const expiresAt = Number(expires);
      if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return undefined;
      return { role, expiresAt, csrf: csrfOf(role, nonce) };
    },
  };
}

function deriveKey(token: string): Buffer {
  return createHmac('sha256', token).update('patchline console session key v1').digest();
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session (or, with maxAgeSeconds 0, for ending it): never readable by scripts, never cross-site. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/ui',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
