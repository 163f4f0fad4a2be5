import { PRUNED_KINDS, type PrunedKind, type PruneResult, type RetentionPolicy, type Store } from '../store/index.js';
import type { ControllerLog } from './controller.js';

/**
 * Runs the store's prune on a timer (started on listen, stopped on close, never keeping the process alive) and counts
 * what it deleted since the process started, for /metrics. Prunes never overlap.
 */
export interface RetentionOptions {
  policy: RetentionPolicy;
  /** How often to prune; the first prune runs one interval after start. */
  everyMs: number;
}

export interface RetentionTimer {
  /** Prunes now (after any prune already running); resolves with what it deleted. */
  prune(): Promise<PruneResult>;
  /** Rows deleted since the process started, by kind. */
  totals(): Record<PrunedKind, number>;
  start(): void;
  stop(): Promise<void>;
}

export function createRetentionTimer(
  options: RetentionOptions & { store: Store; clock: () => number; log?: ControllerLog | undefined },
): RetentionTimer {
  const totals = Object.fromEntries(PRUNED_KINDS.map((kind) => [kind, 0])) as Record<PrunedKind, number>;
  let running: Promise<PruneResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function prune(): Promise<PruneResult> {
    while (running !== undefined) await running.catch(() => undefined);
    const current = options.store.prune(options.clock(), options.policy).finally(() => {
      running = undefined;
    });
    running = current;
    const result = await current;
    for (const kind of PRUNED_KINDS) totals[kind] += result.deleted[kind];
    if (PRUNED_KINDS.some((kind) => result.deleted[kind] > 0)) options.log?.info({ pruned: result.deleted }, 'pruned');
    return result;
  }

  return {
    prune,
    totals: () => ({ ...totals }),
    start() {
      if (timer !== undefined || stopped) return;
      const next = (): void => {
        if (stopped) return;
        timer = setTimeout(() => {
          prune()
            .catch((error: unknown) => options.log?.error({ err: error }, 'pruning the store failed'))
            .finally(next);
        }, options.everyMs);
        timer.unref();
      };
      next();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
