import { z } from 'zod';
import { compareVersions } from '../version/index.js';
import type { ImageFacts, KernelFacts } from './gate-inputs.js';
import type { RulePackage, RuleResult } from './gate-result.js';
import { policyRule } from './policy-rule.js';

/**
 * kernel.mustBeLatest: every kernel the image can boot comes from a package at least as new as the newest fixed
 * version of that package the advisory data knows for the image's OS release. A bootc image with no kernel, or a
 * kernel no package claims, fails: there is nothing to compare.
 */
export function kernelRule(spec: z.output<typeof kernelSection>, image: ImageFacts, facts: KernelFacts): RuleResult {
  const base = { rule: 'kernel.mustBeLatest' as const, findings: [] };
  const kernels = facts.kernels.map((kernel) => kernel.version);
  if (spec === undefined || !spec.mustBeLatest) {
    return { ...base, outcome: 'not-configured', message: 'not configured', inputs: { kernels }, packages: [] };
  }
  const inputs: RuleResult['inputs'] = { kernels, ecosystem: facts.ecosystem ?? null, bootc: image.bootc };
  if (facts.kernels.length === 0) {
    return image.bootc
      ? {
          ...base,
          outcome: 'fail',
          message: 'a bootc image with no kernel (usr/lib/modules/*/vmlinuz)',
          inputs,
          packages: [],
        }
      : { ...base, outcome: 'pass', message: 'the image has no kernel (not a bootc image)', inputs, packages: [] };
  }
  const behind: RulePackage[] = [];
  const unowned: string[] = [];
  const current: string[] = [];
  for (const kernel of facts.kernels) {
    if (kernel.package === undefined) {
      unowned.push(kernel.path);
      continue;
    }
    const { name, installed, scheme } = kernel.package;
    if (kernel.newest !== undefined && compareVersions(scheme, installed, kernel.newest.version) < 0) {
      behind.push({ name, installed, latest: kernel.newest.version });
    } else {
      current.push(
        `${name} ${installed}${kernel.newest ? ` (newest known: ${kernel.newest.version})` : ' (no fixed build known)'}`,
      );
    }
  }
  inputs.latest = facts.kernels.flatMap((kernel) => kernel.newest?.version ?? []);
  if (behind.length === 0 && unowned.length === 0) {
    return {
      ...base,
      outcome: 'pass',
      message: `boots the newest kernel: ${current.join(', ')}`,
      inputs,
      packages: [],
    };
  }
  const problems = [
    ...behind.map((pkg) => `${pkg.name} ${pkg.installed} is older than ${pkg.latest}`),
    ...unowned.map((path) => `${path} belongs to no package, so its version cannot be compared`),
  ];
  return { ...base, outcome: 'fail', message: problems.join('; '), inputs, packages: behind };
}

const kernelSection = z
  .strictObject({
    mustBeLatest: z
      .boolean({ error: 'expected true or false' })
      .describe('The image boots the newest kernel build the advisory data knows as a fix for its OS release'),
  })
  .optional();

export const kernelPolicy = policyRule({
  key: 'kernel',
  schema: kernelSection,
  example: { mustBeLatest: true },
  reports: [
    {
      name: 'kernel.mustBeLatest',
      title: 'KernelIsLatest',
      help: 'The image must boot the newest kernel the advisory data knows for its stream.',
    },
  ],
  evaluate: (section, { inputs }) => [kernelRule(section, inputs.image, inputs.kernel)],
});
