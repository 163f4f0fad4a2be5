import { decideRollout, type RolloutDecision } from '../fleet/index.js';
import { isStoreError, type Store } from '../store/index.js';

/**
 * The controller loop: every tick, and shortly after a host reports something new, each active rollout is decided
 * in its own transaction (load, decideRollout, commit). Ticks never overlap within a process; across processes the
 * store's version check lets only one controller commit a decision taken on a given state.
 */
export interface ControllerOptions {
  store: Store;
  clock: () => number;
  /** How often every active rollout is decided; no timer when undefined (tests tick by hand). */
  tickMs?: number | undefined;
  /** How long a nudge waits, so a burst of reports makes one tick. */
  nudgeDelayMs?: number | undefined;
  /** Told about each decision that changed something. */
  onDecision?: ((rollout: string, decision: RolloutDecision) => void) | undefined;
  log?: ControllerLog | undefined;
}

export interface ControllerLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface TickResult {
  decided: number;
  changed: string[];
  conflicts: string[];
  failed: string[];
}

export interface Controller {
  /** Decides every active rollout now; resolves when done. */
  tick(): Promise<TickResult>;
  /** Asks for a tick soon. */
  nudge(): void;
  start(): void;
  stop(): Promise<void>;
}

export function createController(options: ControllerOptions): Controller {
  const { store, clock } = options;
  const nudgeDelayMs = options.nudgeDelayMs ?? 250;
  let running: Promise<TickResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  // How long the last tick took. Ticks are spaced by at least that much again, so however large the fleet, deciding
  // takes at most about half of the process's time and host calls keep the rest.
  let lastDurationMs = 0;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function runOnce(): Promise<TickResult> {
    const result: TickResult = { decided: 0, changed: [], conflicts: [], failed: [] };
    for (const name of await store.activeRollouts()) {
      try {
        const { decision, changed } = await store.decide(name, clock(), decideRollout);
        result.decided++;
        if (changed) {
          result.changed.push(name);
          options.onDecision?.(name, decision);
          for (const event of decision.events) {
            if (event.type !== 'host-state-changed') options.log?.info({ event }, `rollout ${name}: ${event.type}`);
          }
        }
      } catch (error) {
        if (isStoreError(error) && error.reason === 'Conflict') {
          // Another controller (or an admin edit) wrote the rollout since it was loaded; the next tick decides again.
          result.conflicts.push(name);
        } else if (isStoreError(error) && error.reason === 'NotFound') {
          // Deleted since the list was read: nothing left to decide.
        } else {
          result.failed.push(name);
          options.log?.error({ err: error, rollout: name }, 'deciding the rollout failed');
        }
      }
    }
    return result;
  }

  async function tick(): Promise<TickResult> {
    while (running !== undefined) {
      await running.catch(() => undefined);
    }
    const started = performance.now();
    const current = runOnce().finally(() => {
      lastDurationMs = performance.now() - started;
      running = undefined;
    });
    running = current;
    return current;
  }

  function background(): void {
    if (stopped) return;
    tick().catch((error: unknown) => options.log?.error({ err: error }, 'controller tick failed'));
  }

  return {
    tick,
    nudge() {
      if (stopped || nudgeTimer !== undefined) return;
      nudgeTimer = setTimeout(
        () => {
          nudgeTimer = undefined;
          background();
        },
        Math.max(nudgeDelayMs, lastDurationMs),
      );
      nudgeTimer.unref();
    },
    start() {
      const tickMs = options.tickMs;
      if (tickMs === undefined || started || stopped) return;
      started = true;
      // One tick after another, never overlapping, spaced by tickMs or the last tick's duration if longer.
      const next = (): void => {
        if (stopped) return;
        timer = setTimeout(
          () => {
            tick()
              .catch((error: unknown) => options.log?.error({ err: error }, 'controller tick failed'))
              .finally(next);
          },
          Math.max(tickMs, lastDurationMs),
        );
        timer.unref();
      };
      tick()
        .catch((error: unknown) => options.log?.error({ err: error }, 'controller tick failed'))
        .finally(next);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      if (nudgeTimer !== undefined) clearTimeout(nudgeTimer);
      timer = undefined;
      nudgeTimer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
