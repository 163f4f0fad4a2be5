import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * Runs one program of a pipeline (a build, a test, podman): its output goes whole to the run's log file and its end
 * is kept for the report. It is killed when its time is up; a program that cannot start is a failed step, not a crash.
 */
export interface CommandResult {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** The last bytes of stdout and stderr, interleaved as they came. */
  tail: string;
  /** Why it failed, in a sentence, when it did. */
  problem?: string;
}

export interface CommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Appended to, never truncated: one log holds every step of a run. */
  logFile: string;
}

const TAIL_BYTES = 8 * 1024;
// A process that ignores SIGTERM gets this long before SIGKILL.
const KILL_GRACE_MS = 5_000;

export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('runCommand: empty argv');
  return new Promise((resolve) => {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    log.write(`$ ${argv.join(' ')}\n`);
    let tail = Buffer.alloc(0);
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
    };
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    const finish = (result: Omit<CommandResult, 'tail'>) => {
      clearTimeout(timer);
      if (killer !== undefined) clearTimeout(killer);
      const text = tail.toString('utf8');
      log.end(`\n[${result.problem ?? 'exit 0'}]\n`, () => resolve({ ...result, tail: text }));
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({
        ok: false,
        exitCode: null,
        timedOut: false,
        problem: `${program} could not start (${error.code ?? error.message})`,
      });
    });
    child.on('close', (code, signal) => {
      if (timedOut) {
        finish({ ok: false, exitCode: code, timedOut, problem: `${program} timed out and was killed` });
      } else if (code === 0) {
        finish({ ok: true, exitCode: 0, timedOut });
      } else {
        finish({
          ok: false,
          exitCode: code,
          timedOut,
          problem: code === null ? `${program} was killed by ${signal}` : `${program} exited with ${code}`,
        });
      }
    });
  });
}
