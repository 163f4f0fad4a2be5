// Peak memory and CPU time of a command, from GNU time (/usr/bin/time, installed by ensureTime in processes.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dropTemp, type RunOptions, type RunResult, spawnRun, TIME, tempDir } from './processes.js';

export interface TimedRun extends RunResult {
  /** Wall seconds as GNU time saw them. */
  elapsed: number;
  /** User + system seconds. */
  cpuSeconds: number;
  /** Peak resident set size. */
  rssMiB: number;
  /** Set when the command did not exit 0: its exit and the end of its stderr. */
  error?: string;
}

/** Runs a command under GNU time: wall seconds (ours and time's), CPU seconds and peak RSS (MiB). */
export async function timed(command: string, commandArgs: string[], options?: RunOptions): Promise<TimedRun> {
  const scratch = await tempDir('patchline-bench-time-');
  const file = join(scratch, 'time');
  const result = await spawnRun(TIME, ['-f', '%e %U %S %M', '-o', file, command, ...commandArgs], options);
  const text = await readFile(file, 'utf8').catch(() => '');
  await dropTemp(scratch);
  // time prints the child's exit status above its figures when it is not 0: the figures are the last line.
  const [elapsed = Number.NaN, user = Number.NaN, system = Number.NaN, kib = Number.NaN] = (
    text.trim().split('\n').at(-1) ?? ''
  )
    .split(/\s+/)
    .map(Number);
  const error =
    result.code === 0 ? undefined : `exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(-600)}`;
  return { ...result, elapsed, cpuSeconds: user + system, rssMiB: kib / 1024, ...(error ? { error } : {}) };
}
