import { Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import type { Batch, RolloutPolicy } from '../fleet/index.js';
import { collect, parseLabelPairs } from './resource-commands.js';

/**
 * Rollout policy as flags, shared by `fleet create` (the fleet's defaults) and `rollout start` (this rollout's
 * overrides). Anything the flags cannot say (batch selectors with expressions, windows, budgets) goes in a file.
 */

export interface RolloutPolicyFlags {
  batch?: string[];
  successThreshold?: string;
  updateTimeout?: string;
  offlineTimeout?: string;
  onFailure?: 'halt' | 'rollback';
  approval?: 'automatic' | 'manual';
}

export function rolloutPolicyOptions(): Option[] {
  return [
    new Option(
      '--batch <[name:]limit[@k=v,...]>',
      'a batch, in order: a host count or a percentage, optionally named and limited to hosts with labels ' +
        '(repeatable; e.g. canary:2@zone=a, 25%); the hosts left form a final batch',
    ).argParser(collect),
    new Option('--success-threshold <share>', 'share of a batch that must end healthy, 0-1 (default 0.9)'),
    new Option('--update-timeout <duration>', 'how long a host may take over each update step (default 1h)'),
    new Option('--offline-timeout <duration>', 'how long a batch waits for an offline host (default 30m)'),
    new Option('--on-failure <action>', 'when a batch misses its threshold (default rollback)').choices([
      'halt',
      'rollback',
    ]),
    new Option('--approval <mode>', 'whether each batch after the first waits for approval').choices([
      'automatic',
      'manual',
    ]),
  ];
}

/** The policy the flags give, or undefined when none was given. */
export function policyFlags(flags: RolloutPolicyFlags): RolloutPolicy | undefined {
  const policy: RolloutPolicy = {};
  if (flags.batch !== undefined) policy.batches = flags.batch.map(parseBatchFlag);
  if (flags.successThreshold !== undefined) {
    const share = Number(flags.successThreshold);
    if (flags.successThreshold.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) {
      throw new PatchlineError(
        'usage',
        `--success-threshold ${flags.successThreshold}`,
        'expected a share from 0 to 1',
      );
    }
    policy.successThreshold = share;
  }
  if (flags.updateTimeout !== undefined) policy.updateTimeout = flags.updateTimeout;
  if (flags.offlineTimeout !== undefined) policy.offlineTimeout = flags.offlineTimeout;
  if (flags.onFailure !== undefined) policy.onFailure = flags.onFailure;
  if (flags.approval !== undefined) policy.approval = flags.approval;
  return Object.keys(policy).length === 0 ? undefined : policy;
}

/** `canary:2@zone=a`, `25%`, `5`: the schema checks the limit itself. */
export function parseBatchFlag(text: string): Batch {
  const at = text.indexOf('@');
  const head = at === -1 ? text : text.slice(0, at);
  const colon = head.lastIndexOf(':');
  const name = colon === -1 ? undefined : head.slice(0, colon);
  const limitText = colon === -1 ? head : head.slice(colon + 1);
  if (limitText === '' || name === '') {
    throw new PatchlineError(
      'usage',
      `--batch ${text}`,
      'expected [name:]limit[@k=v,...], e.g. canary:2@zone=a or 25%',
    );
  }
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : limitText;
  const batch: Batch = { limit };
  if (name !== undefined) batch.name = name;
  if (at !== -1) batch.selector = { matchLabels: parseLabelPairs(text.slice(at + 1).split(','), `--batch ${text}`) };
  return batch;
}
