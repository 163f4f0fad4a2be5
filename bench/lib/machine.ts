// What a result is measured on: the machine, and how busy it was (the 2 cores are shared with other work).
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string | undefined;
  memoryGiB: number;
  node: string;
}

export function machine(): Machine {
  const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  return { cpus: cpus().length, cpuModel, memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version };
}

/** The 1-minute load average now. */
export function load1(): number {
  return loadavg()[0]!;
}
