// The heavy benchmarks want both of the machine's cores: one waits while another runs, for 30 minutes at most.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from './processes.js';
import { spawnRun } from './processes.js';

/** Waits while a process whose command line matches `pattern` (pgrep -f, extended regex) runs. */
export async function waitForOtherBenches(pattern: string, log: Log): Promise<void> {
  const deadline = Date.now() + 30 * 60 * 1000;
  let said = false;
  for (;;) {
    const { stdout } = await spawnRun('pgrep', ['-f', pattern]).catch(() => ({ stdout: '' }));
    const others = stdout
      .split('\n')
      .filter(Boolean)
      .filter((pid) => Number(pid) !== process.pid && Number(pid) !== process.ppid);
    if (others.length === 0) return;
    if (Date.now() > deadline) {
      log('another bench is still running after 30 minutes: measuring anyway (the numbers will say so)');
      return;
    }
    if (!said) log(`waiting for another bench (pid ${others.join(', ')}) to finish; polling every 20 s`);
    said = true;
    await sleep(20_000);
  }
}
