import { Worker } from 'node:worker_threads';
import type { Controller, ControllerLog, TickResult } from './controller.js';

/**
 * The controller loop on a thread of its own, so deciding a large fleet (reading its hosts, deciding, committing)
 * never holds up the thread that answers hosts: a tick over 10,000 hosts takes a good part of a second. The thread has
 * its own connection to the store; the two threads speak in messages. `patchline serve` runs it so; tests that move
 * a clock by hand run the controller in-process (controller.ts), which is the same loop.
 */
export interface DeciderThreadOptions {
  location: string;
  tickMs?: number | undefined;
  nudgeDelayMs?: number | undefined;
  leaseMs?: number | undefined;
  identity?: string | undefined;
}

export type ToDecider =
  | { type: 'nudge'; fleet?: string | undefined }
  | { type: 'tick'; id: number; fleets: string[] | 'all' }
  | { type: 'start' }
  | { type: 'stop' };

export type FromDecider =
  | { type: 'ready' }
  | { type: 'wake'; hosts: string[] | 'all' }
  | { type: 'leader'; leader: boolean }
  | { type: 'ticked'; id: number; result?: TickResult; error?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; object: object; message: string }
  | { type: 'stopped' };

export async function startDeciderThread(
  options: DeciderThreadOptions & { onWake: (hosts: Set<string> | 'all') => void; log: ControllerLog },
): Promise<Controller> {
  const { onWake, log, ...data } = options;
  const worker = new Worker(new URL('./controller-worker.js', import.meta.url), { workerData: data });
  let leader = false;
  let next = 0;
  const ticks = new Map<number, { resolve: (result: TickResult) => void; reject: (error: Error) => void }>();
  let stopped: (() => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: FromDecider) => {
      switch (message.type) {
        case 'ready':
          resolve();
          break;
        case 'wake':
          onWake(message.hosts === 'all' ? 'all' : new Set(message.hosts));
          break;
        case 'leader':
          leader = message.leader;
          break;
        case 'ticked': {
          const waiting = ticks.get(message.id);
          ticks.delete(message.id);
          if (message.result !== undefined) waiting?.resolve(message.result);
          else waiting?.reject(new Error(message.error ?? 'the decider thread failed'));
          break;
        }
        case 'log':
          log[message.level](message.object, message.message);
          break;
        case 'stopped':
          stopped?.();
          break;
      }
    });
  });
  worker.on('error', (error) => log.error({ err: error }, 'the decider thread failed'));
  await ready;
  // A thread that ended without being stopped decides nothing more: this controller goes on serving hosts and admins
  // (another controller on the database may take the lease), and says so in its log and metrics.
  let ended = false;
  worker.once('exit', (code) => {
    ended = true;
    leader = false;
    if (stopped === undefined) log.error({ code }, 'the decider thread ended: this controller no longer decides');
    for (const waiting of ticks.values()) waiting.resolve(notDeciding());
    ticks.clear();
    stopped?.();
  });
  const send = (message: ToDecider): void => {
    if (!ended) worker.postMessage(message);
  };
  return {
    tick(fleets = 'all') {
      if (ended) return Promise.resolve(notDeciding());
      const id = next++;
      return new Promise<TickResult>((resolve, reject) => {
        ticks.set(id, { resolve, reject });
        send({ type: 'tick', id, fleets: fleets === 'all' ? 'all' : [...fleets] });
      });
    },
    nudge(fleet) {
      send({ type: 'nudge', fleet });
    },
    start() {
      send({ type: 'start' });
    },
    async stop() {
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      if (ended) return;
      send({ type: 'stop' });
      await done;
      await worker.terminate();
    },
    isLeader() {
      return leader;
    },
  };
}

function notDeciding(): TickResult {
  return { leader: false, decided: 0, changed: [], conflicts: [], failed: [] };
}
