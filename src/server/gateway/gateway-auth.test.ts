import { describe, expect, it } from 'vitest';
import { createTokenSigner } from './gateway-auth.js';

describe('createTokenSigner', () => {
  const claims = { host: 'web-01', cred: 'mark', repository: 'fleets/web/os', exp: 1000 };

  it('verifies its own tokens until they expire', () => {
    const signer = createTokenSigner();
    const token = signer.issue(claims);
    expect(signer.verify(token, 999)).toEqual(claims);
    expect(signer.verify(token, 1000)).toBeUndefined();
  });

  it('refuses tokens of another key, with changed claims, or malformed', () => {
    const signer = createTokenSigner();
    const token = signer.issue(claims);
    expect(createTokenSigner().verify(token, 0)).toBeUndefined();
    const [, signature] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ ...claims, host: 'db-01' })).toString('base64url');
    expect(signer.verify(`${changed}.${signature}`, 0)).toBeUndefined();
    for (const bad of ['', '.', 'abc', `${token}x`, `.${signature}`, 'x'.repeat(5000)]) {
      expect(signer.verify(bad, 0), bad.slice(0, 20)).toBeUndefined();
    }
    // Signed, but not claims of our shape.
    const key = Buffer.alloc(32, 1);
    const keyed = createTokenSigner(key);
    const odd = keyed.issue({ host: '', cred: 'mark', repository: null, exp: 10 });
    expect(keyed.verify(odd, 0)).toBeUndefined();
  });
});
