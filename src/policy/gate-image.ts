import { evaluatePolicy } from './evaluate.js';
import type { GateResult } from './gate-result.js';
import type { GatherOptions } from './gather-inputs.js';
import { gatherInputs } from './gather-inputs.js';
import { loadPolicy } from './load-policy.js';

export interface GateOptions extends GatherOptions {
  /** The gate's clock; default the real time. */
  now?: Date | string;
}

/** `patchline gate` as a library call: load the policy, gather the inputs, evaluate them at `now`. */
export async function gateImage(reference: string, policyPath: string, options: GateOptions = {}): Promise<GateResult> {
  const policy = await loadPolicy(policyPath);
  const now = options.now ?? new Date();
  const inputs = await gatherInputs(reference, policy, { ...options, now });
  return evaluatePolicy(inputs, now);
}
