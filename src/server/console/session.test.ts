import { describe, expect, it } from 'vitest';
import { cookieValue, SESSION_TTL_MS, sessionCookie, sessionKeys } from './session.js';

const ADMIN = 'admin-token-0123456789abcdef0123456789';
const VIEWER = 'viewer-token-0123456789abcdef012345678';
const NOW = Date.parse('2026-12-07T10:00:00Z');

describe('console sessions', () => {
  it('opens a session per role and verifies it until it expires', () => {
    const keys = sessionKeys(ADMIN, VIEWER);
    expect(keys.roleOfToken(ADMIN)).toBe('admin');
    expect(keys.roleOfToken(VIEWER)).toBe('viewer');
    expect(keys.roleOfToken(`${ADMIN}x`)).toBeUndefined();
    const { cookie, session } = keys.open('viewer', NOW);
    expect(keys.verify(cookie, NOW + 1000)).toEqual(session);
    expect(keys.verify(cookie, NOW + SESSION_TTL_MS)).toBeUndefined();
  });

  it('refuses a cookie whose role, expiry or signature was changed', () => {
    const keys = sessionKeys(ADMIN, VIEWER);
    const { cookie } = keys.open('viewer', NOW);
    const [version, , expires, nonce, signature] = cookie.split('.');
    expect(keys.verify([version, 'admin', expires, nonce, signature].join('.'), NOW)).toBeUndefined();
    expect(
      keys.verify([version, 'viewer', String(Number(expires) * 2), nonce, signature].join('.'), NOW),
    ).toBeUndefined();
    expect(keys.verify([version, 'viewer', expires, `${nonce}x`, signature].join('.'), NOW)).toBeUndefined();
    expect(keys.verify(`${cookie}.extra`, NOW)).toBeUndefined();
  });

  it('ends the sessions of a token that was replaced, and every viewer session when there is no viewer token', () => {
    const before = sessionKeys(ADMIN, VIEWER);
    const admin = before.open('admin', NOW).cookie;
    const viewer = before.open('viewer', NOW).cookie;
    const newViewer = sessionKeys(ADMIN, `${VIEWER}-rotated`);
    expect(newViewer.verify(admin, NOW)).toMatchObject({ role: 'admin' });
    expect(newViewer.verify(viewer, NOW)).toBeUndefined();
    expect(sessionKeys(ADMIN, null).verify(viewer, NOW)).toBeUndefined();
    expect(sessionKeys(`${ADMIN}-rotated`, VIEWER).verify(admin, NOW)).toBeUndefined();
  });

  it('gives each session its own CSRF token', () => {
    const keys = sessionKeys(ADMIN, VIEWER);
    expect(keys.open('admin', NOW).session.csrf).not.toBe(keys.open('admin', NOW).session.csrf);
  });

  it('writes an HttpOnly, SameSite=Strict cookie, Secure over TLS, and reads it back', () => {
    expect(sessionCookie('abc', 60, false)).toBe(
      'patchline_session=abc; Path=/ui; Max-Age=60; HttpOnly; SameSite=Strict',
    );
    expect(sessionCookie('abc', 60, true)).toContain('; Secure');
    expect(cookieValue('a=1; patchline_session=v1.x.y; b=2', 'patchline_session')).toBe('v1.x.y');
    expect(cookieValue('a=1', 'patchline_session')).toBeUndefined();
  });
});
