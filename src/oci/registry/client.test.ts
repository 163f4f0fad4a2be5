import { describe, expect, it } from 'vitest';
import { isLoopbackHost, RegistryClient } from './client.js';

describe('isLoopbackHost', () => {
  it('knows the loopback names and ranges, with or without a port', () => {
    for (const host of [
      '127.0.0.1:5000',
      '127.8.9.10',
      'localhost',
      'localhost:5000',
      'reg.localhost:1',
      '[::1]:5000',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it('does not mistake other hosts for loopback', () => {
    for (const host of [
      '128.0.0.1',
      '10.0.0.1:5000',
      'quay.io',
      'localhost.example.com',
      '127.0.0.1.nip.io',
      '[::2]',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('RegistryClient scheme', () => {
  it('speaks HTTPS to remote registries and plain HTTP to loopback ones', () => {
    expect(new RegistryClient('quay.io').baseUrl).toBe('https://quay.io');
    expect(new RegistryClient('127.0.0.1:5000').baseUrl).toBe('http://127.0.0.1:5000');
  });

  it('speaks plain HTTP when TLS verification is off, unless told otherwise', () => {
    expect(new RegistryClient('registry.lan:5000', { tlsVerify: false }).baseUrl).toBe('http://registry.lan:5000');
    expect(new RegistryClient('127.0.0.1:5000', { plainHttp: false }).baseUrl).toBe('https://127.0.0.1:5000');
  });
});
