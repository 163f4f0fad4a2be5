import { writeFileAtomic } from '../core/index.js';

/** Writes a report to a file all at once, so a reader never sees half of one; or to stdout. */
export async function writeOutput(text: string, file: string | undefined): Promise<void> {
  if (!file || file === '-') {
    process.stdout.write(text);
    return;
  }
  await writeFileAtomic(file, text);
}
