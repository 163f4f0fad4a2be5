import { describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.js';

describe('CredentialCache', () => {
  it('keeps what a lookup found, and forgets a host with its credential', () => {
    const cache = new CredentialCache(10, () => true);
    cache.remember(cache.begin(), 'h1', 'web-01');
    cache.remember(cache.begin(), 'h2', 'web-02');
    expect([cache.host('h1'), cache.hash('web-01')]).toEqual(['web-01', 'h1']);
    cache.forget(new Set(['web-01']));
    expect([cache.host('h1'), cache.hash('web-01')]).toEqual([undefined, undefined]);
    expect(cache.host('h2')).toBe('web-02');
    cache.forget('all');
    expect(cache.host('h2')).toBeUndefined();
  });

  it('drops the answer of a lookup that began before a host was forgotten', () => {
    const cache = new CredentialCache(10, () => true);
    const began = cache.begin();
    // The lookup read the row; the host is deleted (and forgotten) before the answer comes back.
    cache.forget(new Set(['web-01']));
    cache.remember(began, 'h1', 'web-01');
    expect(cache.host('h1')).toBeUndefined();
    cache.remember(cache.begin(), 'h1', 'web-01');
    expect(cache.host('h1')).toBe('web-01');
  });

  it('neither keeps nor answers while deletions elsewhere cannot be heard', () => {
    let hearing = true;
    const cache = new CredentialCache(10, () => hearing);
    cache.remember(cache.begin(), 'h1', 'web-01');
    hearing = false;
    expect(cache.host('h1')).toBeUndefined();
    cache.remember(cache.begin(), 'h2', 'web-02');
    hearing = true;
    expect(cache.host('h2')).toBeUndefined();
  });

  it('starts again when full rather than growing', () => {
    const cache = new CredentialCache(2, () => true);
    cache.remember(cache.begin(), 'h1', 'a');
    cache.remember(cache.begin(), 'h2', 'b');
    cache.remember(cache.begin(), 'h3', 'c');
    expect([cache.host('h1'), cache.host('h2'), cache.host('h3')]).toEqual([undefined, undefined, 'c']);
  });
});
