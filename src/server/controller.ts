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
  let interval: NodeJS.Timeout | undefined;
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
    const current = runOnce().finally(() => {
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
      nudgeTimer = setTimeout(() => {
        nudgeTimer = undefined;
        background();
      }, nudgeDelayMs);
      nudgeTimer.unref();
    },
    start() {
      if (options.tickMs !== undefined && interval === undefined) {
        interval = setInterval(background, options.tickMs);
        interval.unref();
        background();
      }
    },
    async stop() {
      stopped = true;
      if (interval !== undefined) clearInterval(interval);
      if (nudgeTimer !== undefined) clearTimeout(nudgeTimer);
      interval = undefined;
      nudgeTimer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
