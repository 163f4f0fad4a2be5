import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * ../shared holds the real fixtures (advisory feeds, rpm and dpkg databases, bootc status documents) that many tests
 * read. On a developer's machine without it those tests skip, each saying so. Under CI a skip would pass for
 * nothing, so the run fails instead, before any test: this file is vitest's global setup (vitest.config.ts).
 */
export const SHARED_DIR = resolve(import.meta.dirname, '../../../shared');

/** Why the run must not go on, or undefined when it may. `CI` counts as set unless empty, "0" or "false". */
export function sharedFixturesProblem(env: NodeJS.ProcessEnv, present: boolean, dir = SHARED_DIR): string | undefined {
  const ci = env.CI;
  const underCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  if (!underCi || present) return undefined;
  return `CI is set but ${dir} is missing: the tests that need its fixtures would be skipped, not run; provide it (or unset CI to allow the skips)`;
}

export default function requireSharedFixturesUnderCi(): void {
  const problem = sharedFixturesProblem(process.env, existsSync(SHARED_DIR));
  if (problem !== undefined) throw new Error(problem);
}
