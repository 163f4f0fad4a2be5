import { describe, expect, it } from 'vitest';
import { rolloutPolicySchema } from '../fleet/index.js';
import { parseBatchFlag, policyFlags } from './policy-flags.js';

describe('rollout policy flags', () => {
  it('reads batches as [name:]limit[@labels]', () => {
    expect(parseBatchFlag('2')).toEqual({ limit: 2 });
    expect(parseBatchFlag('25%')).toEqual({ limit: '25%' });
    expect(parseBatchFlag('canary:2@zone=a,role=web')).toEqual({
      name: 'canary',
      limit: 2,
      selector: { matchLabels: { zone: 'a', role: 'web' } },
    });
    expect(() => parseBatchFlag(':2')).toThrow(/expected \[name:\]limit/);
    expect(() => parseBatchFlag('canary:')).toThrow(/expected \[name:\]limit/);
    expect(() => parseBatchFlag('1@zone')).toThrow(/expected key=value/);
  });

  it('gives a policy the fleet schema accepts, or nothing when no flag was given', () => {
    expect(policyFlags({})).toBeUndefined();
    const policy = policyFlags({
      batch: ['canary:1', '50%'],
      successThreshold: '0.75',
      updateTimeout: '10m',
      onFailure: 'halt',
      approval: 'manual',
    });
    expect(rolloutPolicySchema.parse(policy)).toEqual({
      batches: [{ name: 'canary', limit: 1 }, { limit: '50%' }],
      successThreshold: 0.75,
      updateTimeout: '10m',
      onFailure: 'halt',
      approval: 'manual',
    });
    for (const bad of ['', '1.5', '-0.1', 'most']) {
      expect(() => policyFlags({ successThreshold: bad })).toThrow(/expected a share from 0 to 1/);
    }
  });
});
