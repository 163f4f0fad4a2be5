import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Host credentials and enrollment tokens are 256 random bits. The store keeps only their SHA-256: a slow hash (scrypt)
 * protects guessable passwords, and a 256-bit random token cannot be guessed, so a fast hash loses nothing and keeps
 * every host call to one indexed lookup. (docs/decisions/0015-controller-store-and-server.md)
 */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares two secrets in time independent of where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * A short mark of a host's credential that a signed token can carry: it changes when the host gets a new credential
 * (deleted and enrolled again), so tokens issued for the old one stop working. Derived from the stored hash, so it
 * says nothing about the credential itself.
 */
export function credentialMark(hash: string): string {
  return createHash('sha256').update(`credential-mark:${hash}`).digest('base64url').slice(0, 22);
}
