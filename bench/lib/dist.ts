// The benchmarks measure the built code (dist/), as the CLI runs it; its types come from the src/ it is built from,
// so type-checking bench/ needs no build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const CLI = join(ROOT, 'dist/cli/bin.js');

/**
 * Imports dist/PATH, typed as the src module it is built from:
 * `await fromDist<typeof import('../src/store/index.js')>('store/index.js')`.
 */
export async function fromDist<Module>(path: string): Promise<Module> {
  const file = join(ROOT, 'dist', path);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return (await import(pathToFileURL(file).href)) as Module;
}
