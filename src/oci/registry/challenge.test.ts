import { describe, expect, it } from 'vitest';
import { parseAuthChallenges } from './challenge.js';

describe('parseAuthChallenges', () => {
  it('reads a distribution bearer challenge with a comma inside the quoted scope', () => {
    const header =
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"';
    expect(parseAuthChallenges(header)).toEqual([
      {
        scheme: 'bearer',
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:a/b:pull,push',
      },
    ]);
  });

  it('keeps the insufficient_scope error a registry adds when a token lacks access', () => {
    const [challenge] = parseAuthChallenges(
      'Bearer realm="http://127.0.0.1:1/token",service="s",scope="repository:x:pull",error="insufficient_scope"',
    );
    expect(challenge).toMatchObject({ scheme: 'bearer', error: 'insufficient_scope' });
  });

  it('accepts any case for the scheme and parameter names, spaces around "=", and unquoted values', () => {
    expect(parseAuthChallenges('bEaReR  Realm = https://h/token , SERVICE=reg')).toEqual([
      { scheme: 'bearer', realm: 'https://h/token', service: 'reg' },
    ]);
  });

  it('unescapes backslashes inside quoted strings', () => {
    expect(parseAuthChallenges('Basic realm="say \\"hi\\", ok"')).toEqual([{ scheme: 'basic', realm: 'say "hi", ok' }]);
  });

  it('separates several challenges, as fetch joins repeated headers with ", "', () => {
    const challenges = parseAuthChallenges('Basic realm="r1", Bearer realm="https://t/x",service="s", Negotiate');
    expect(challenges).toEqual([
      { scheme: 'basic', realm: 'r1' },
      { scheme: 'bearer', realm: 'https://t/x', service: 's' },
      { scheme: 'other', name: 'Negotiate' },
    ]);
  });

  it('steps over a token68 credential without taking it for a parameter', () => {
    expect(parseAuthChallenges('Negotiate abc==, Basic realm="r"')).toEqual([
      { scheme: 'other', name: 'Negotiate' },
      { scheme: 'basic', realm: 'r' },
    ]);
  });

  it('treats a bearer challenge without a realm as unusable rather than inventing one', () => {
    expect(parseAuthChallenges('Bearer service="s"')).toEqual([{ scheme: 'other', name: 'Bearer' }]);
  });

  it('keeps the first of a repeated parameter', () => {
    expect(parseAuthChallenges('Basic realm="first", realm="second"')).toEqual([{ scheme: 'basic', realm: 'first' }]);
  });

  it('survives empty, truncated and garbage headers without throwing or looping', () => {
    expect(parseAuthChallenges('')).toEqual([]);
    expect(parseAuthChallenges(', ,')).toEqual([]);
    expect(parseAuthChallenges('Bearer realm="https://t/unterminated')).toEqual([
      { scheme: 'bearer', realm: 'https://t/unterminated' },
    ]);
    expect(parseAuthChallenges('"";;@@ Basic realm=r')).toEqual([{ scheme: 'basic', realm: 'r' }]);
  });
});
