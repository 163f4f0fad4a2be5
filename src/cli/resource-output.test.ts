import { describe, expect, it } from 'vitest';
import type { Rollout } from '../fleet/index.js';
import { rolloutMessage } from './resource-output.js';

const rollout = (status: Partial<NonNullable<Rollout['status']>>): Rollout =>
  ({ status: { phase: 'progressing', batch: 0, hosts: {}, batchResults: [], startedAt: '', ...status } }) as Rollout;

describe('rolloutMessage', () => {
  it('says what a progressing rollout waits for, after what the controller says', () => {
    expect(rolloutMessage(rollout({ heldBack: { 'download-window-closed': 3, offline: 1 } }))).toBe(
      'waiting: 3 outside the download window, 1 offline',
    );
    expect(
      rolloutMessage(rollout({ message: 'batch 1 waits for approval', heldBack: { 'disruption-budget': 2 } })),
    ).toBe('batch 1 waits for approval; waiting: 2 over the disruption budget');
    expect(rolloutMessage(rollout({}))).toBe('');
  });
});
