import { z } from 'zod';
import { compileGlob } from '../core/index.js';
import type { ImageFacts } from './gate-inputs.js';
import type { RulePackage, RuleResult } from './gate-result.js';
import { policyRule } from './policy-rule.js';
import { glob } from './schema-parts.js';

/** packages.forbidden: no installed package may match a glob (e.g. compilers in production). */
export function forbiddenRule(spec: z.output<typeof packagesSection>, image: ImageFacts): RuleResult {
  const globs = spec?.forbidden;
  const base = { rule: 'packages.forbidden' as const, findings: [] };
  if (globs === undefined) {
    return { ...base, outcome: 'not-configured', message: 'not configured', inputs: { forbidden: [] }, packages: [] };
  }
  const patterns = globs.map((glob) => ({ glob, regexp: compileGlob(glob, 'name') }));
  const found: RulePackage[] = [];
  for (const pkg of image.packages) {
    const hit = patterns.find((pattern) => pattern.regexp.test(pkg.name));
    if (hit) found.push({ name: pkg.name, installed: pkg.installed, pattern: hit.glob });
  }
  const inputs = { forbidden: globs, installed: found.map((pkg) => pkg.name) };
  if (found.length === 0) {
    return { ...base, outcome: 'pass', message: `none of ${globs.join(', ')} is installed`, inputs, packages: [] };
  }
  const list = found.map((pkg) => `${pkg.name} ${pkg.installed} (${pkg.pattern})`);
  return {
    ...base,
    outcome: 'fail',
    message: `${found.length} forbidden package(s) installed: ${list.join(', ')}`,
    inputs,
    packages: found,
  };
}

/** packages.required: every glob must match an installed package (e.g. greenboot on a bootc image). */
export function requiredRule(spec: z.output<typeof packagesSection>, image: ImageFacts): RuleResult {
  const globs = spec?.required;
  const base = { rule: 'packages.required' as const, findings: [] };
  if (globs === undefined) {
    return { ...base, outcome: 'not-configured', message: 'not configured', inputs: { required: [] }, packages: [] };
  }
  const missing: RulePackage[] = globs
    .filter((glob) => {
      const regexp = compileGlob(glob, 'name');
      return !image.packages.some((pkg) => regexp.test(pkg.name));
    })
    .map((glob) => ({ name: glob, pattern: glob }));
  const inputs = { required: globs, missing: missing.map((pkg) => pkg.name) };
  if (missing.length === 0) {
    return { ...base, outcome: 'pass', message: `all of ${globs.join(', ')} are installed`, inputs, packages: [] };
  }
  return {
    ...base,
    outcome: 'fail',
    message: `${missing.length} required package(s) not installed: ${inputs.missing.join(', ')}`,
    inputs,
    packages: missing,
  };
}

const packagesSection = z
  .strictObject({
    forbidden: z.array(glob).optional().describe('No installed package may match one of these'),
    required: z.array(glob).optional().describe('Each of these must match an installed package'),
  })
  .optional();

export const packagesPolicy = policyRule({
  key: 'packages',
  schema: packagesSection,
  example: { forbidden: ['gcc*'], required: ['bash'] },
  reports: [
    {
      name: 'packages.forbidden',
      title: 'NoForbiddenPackages',
      help: 'No package matching a forbidden pattern may be installed.',
    },
    {
      name: 'packages.required',
      title: 'RequiredPackagesInstalled',
      help: 'A package matching each required pattern must be installed.',
    },
  ],
  evaluate: (section, { inputs }) => [forbiddenRule(section, inputs.image), requiredRule(section, inputs.image)],
});
