// Where every benchmark writes its report: bench/results/NAME.md beside NAME.json with every run's numbers.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), 'results');

/** Writes NAME.md and NAME.json into bench/results; returns the paths. */
export async function writeResults(
  name: string,
  markdown: string,
  json: unknown,
): Promise<{ md: string; json: string }> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const paths = { md: join(RESULTS_DIR, `${name}.md`), json: join(RESULTS_DIR, `${name}.json`) };
  await writeFile(paths.md, markdown);
  await writeFile(paths.json, `${JSON.stringify(json, null, 2)}\n`);
  return paths;
}

/** The path of another result file (a CPU profile, say) in bench/results, the folder made if need be. */
export async function resultPath(file: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, file);
}
