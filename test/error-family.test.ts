import { describe, expect, it } from 'vitest';
import { ResultExit } from '../src/cli/result-exit.js';
import { errorKindOfStatus, isPatchlineError, PatchlineError } from '../src/core/index.js';
import { RegistryError } from '../src/server/gateway/registry-errors.js';
import { InvalidRequest } from '../src/server/status.js';
import { StoreError } from '../src/store/index.js';

describe('one error family', () => {
  it('makes the server errors PatchlineErrors that keep their own message and fields', () => {
    const stored = new StoreError('NotFound', 'fleet "edge" not found');
    expect(isPatchlineError(stored)).toBe(true);
    expect(stored).toMatchObject({ name: 'StoreError', reason: 'NotFound', kind: 'not-found', exitCode: 2 });
    expect(stored.message).toBe('fleet "edge" not found');

    const invalid = new InvalidRequest('spec.selector: is required', 'BadRequest');
    expect(invalid).toBeInstanceOf(PatchlineError);
    expect(invalid).toMatchObject({ name: 'InvalidRequest', reason: 'BadRequest', kind: 'input' });
    expect(invalid.message).toBe('spec.selector: is required');

    const registry = new RegistryError('UNAVAILABLE', 'upstream failed', { 'retry-after': '30' });
    expect(registry).toBeInstanceOf(PatchlineError);
    expect(registry).toMatchObject({ code: 'UNAVAILABLE', status: 503, kind: 'registry' });
    expect(registry.headers).toEqual({ 'retry-after': '30' });
    expect(registry.message).toBe('upstream failed');
    expect(new RegistryError('MANIFEST_UNKNOWN', 'no such manifest').kind).toBe('not-found');
  });

  it('keeps PatchlineError naming its input, and its cause', () => {
    const cause = new Error('EACCES');
    const error = new PatchlineError('io', 'out.json', 'cannot be written', { cause });
    expect(error.message).toBe('out.json: cannot be written');
    expect(error.cause).toBe(cause);
    expect('cause' in new PatchlineError('io', 'x', 'y')).toBe(false);
  });

  it('reads HTTP statuses as kinds', () => {
    expect([401, 403, 404, 413, 400, 429, 500, 503].map(errorKindOfStatus)).toEqual([
      'auth',
      'auth',
      'not-found',
      'limit',
      'input',
      'registry',
      'registry',
      'registry',
    ]);
  });

  it('makes a result exit an Error that is not a failure', () => {
    const exit = new ResultExit('gate failed: 2 rules');
    expect(exit).toBeInstanceOf(Error);
    expect(isPatchlineError(exit)).toBe(false);
    expect(exit).toMatchObject({ exitCode: 1, message: 'gate failed: 2 rules', name: 'ResultExit' });
  });
});
