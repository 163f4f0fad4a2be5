import { randomUUID } from 'node:crypto';
import { decideRollout, type RolloutDecision } from '../fleet/index.js';
import { type Fence, isStoreError, type Store } from '../store/index.js';

/**
 * The controller loop: every tick, and shortly after something changed in a fleet, each active rollout (of that
 * fleet) is decided in its own transaction (load, decideRollout, commit). Several controllers may share a database;
 * only the one holding the decider lease decides, and each of its commits is fenced by the lease's epoch (see
 * store/decider-lease.ts), so a decision is taken once and a controller that stalled past its lease writes nothing.
 * The others pass their nudges on to the decider (a `patchline_decide` notification). Ticks never overlap within a
 * process.
 */
export interface ControllerOptions {
  store: Store;
  clock: () => number;
  /** How often every active rollout is decided; no timer when undefined (tests tick by hand). */
  tickMs?: number | undefined;
  /** How long a nudge waits, so a burst of reports makes one tick. */
  nudgeDelayMs?: number | undefined;
  /** How long the decider lease lasts unless renewed (every tick renews it); a successor waits this long at most. */
  leaseMs?: number | undefined;
  /** This controller's name in the decider lease: unique per process unless a test says otherwise. */
  identity?: string | undefined;
  /** Told about each decision that changed something. */
  onDecision?: ((rollout: string, decision: RolloutDecision) => void) | undefined;
  /** Told the outcome of every tick. */
  onTick?: ((result: TickResult) => void) | undefined;
  log?: ControllerLog | undefined;
}

export interface ControllerLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface TickResult {
  /** Whether this controller held the decider lease for this tick (decided nothing otherwise). */
  leader: boolean;
  decided: number;
  changed: string[];
  conflicts: string[];
  failed: string[];
}

export interface Controller {
  /** Decides every active rollout now (or those of the given fleets); resolves when done. */
  tick(fleets?: Set<string> | 'all'): Promise<TickResult>;
  /** Asks for a decision of the fleet's rollouts (every fleet's without one) soon. */
  nudge(fleet?: string): void;
  start(): void;
  stop(): Promise<void>;
  /** Whether the last tick held the decider lease. */
  isLeader(): boolean;
}

export const DEFAULT_LEASE_MS = 15_000;

/** The largest share of its time the decider spends deciding while nudges keep coming (a rollout in full swing). */
const DECIDING_SHARE = 0.25;

export function createController(options: ControllerOptions): Controller {
  const { store, clock } = options;
  const nudgeDelayMs = options.nudgeDelayMs ?? 250;
  // A lease spans at least three ticks, so one late tick does not cost a lone controller its lease.
  const leaseMs = options.leaseMs ?? Math.max(DEFAULT_LEASE_MS, 3 * (options.tickMs ?? 0));
  const identity = options.identity ?? `${process.pid}-${randomUUID()}`;
  let running: Promise<TickResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  // How long the last tick took. A nudged tick waits three times as long (DECIDING_SHARE), so however large the fleet
  // and however many of its hosts report changes, deciding takes at most about a quarter of a core, and host calls
  // and the database keep the rest (docs/decisions/0078).
  let lastDurationMs = 0;
  let nudgeTimer: NodeJS.Timeout | undefined;
  let nudged: Set<string> | 'all' = new Set();
  let stopped = false;
  let held: Fence | undefined;

  async function claim(): Promise<Fence | undefined> {
    const before = held;
    try {
      held = await store.claimDecider(identity, held, clock(), leaseMs);
    } catch (error) {
      // Two controllers claiming at once on SQLite: the loser retries at its next tick.
      if (!(isStoreError(error) && error.reason === 'Conflict')) throw error;
      held = undefined;
    }
    if (held !== undefined && held.epoch !== before?.epoch) {
      options.log?.info({ epoch: held.epoch, identity }, 'this controller now decides rollouts');
    } else if (held === undefined && before !== undefined) {
      options.log?.warn({ epoch: before.epoch, identity }, 'this controller no longer decides rollouts');
    }
    return held;
  }

  async function runOnce(fleets: Set<string> | 'all'): Promise<TickResult> {
    const result: TickResult = { leader: false, decided: 0, changed: [], conflicts: [], failed: [] };
    const fence = await claim();
    if (fence === undefined) {
      if (fleets === 'all' || fleets.size > 0) {
        store.notifications
          .publish(store.db, 'patchline_decide', fleets)
          .catch((error: unknown) => options.log?.warn({ err: error }, 'cannot pass a nudge on to the decider'));
      }
      return result;
    }
    result.leader = true;
    for (const { name, fleet } of await store.activeRollouts()) {
      if (fleets !== 'all' && !fleets.has(fleet)) continue;
      try {
        const { decision, changed } = await store.decide(name, clock(), decideRollout, fence);
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
          // An admin edit (or, with a fence that no longer holds, the next decider) wrote the rollout since it was
          // loaded; the next tick decides again, if this controller still holds the lease then.
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

  async function tick(fleets: Set<string> | 'all' = 'all'): Promise<TickResult> {
    while (running !== undefined) {
      await running.catch(() => undefined);
    }
    // A tick that waited its turn past stop() would run on a store its owner is closing.
    if (stopped) return { leader: false, decided: 0, changed: [], conflicts: [], failed: [] };
    const started = performance.now();
    const current = runOnce(fleets).finally(() => {
      lastDurationMs = performance.now() - started;
      running = undefined;
    });
    current.then(options.onTick, () => undefined);
    running = current;
    return current;
  }

  function background(fleets: Set<string> | 'all'): void {
    if (stopped) return;
    tick(fleets).catch((error: unknown) => options.log?.error({ err: error }, 'controller tick failed'));
  }

  return {
    tick,
    nudge(fleet) {
      if (stopped) return;
      if (fleet === undefined) nudged = 'all';
      else if (nudged !== 'all') nudged.add(fleet);
      if (nudgeTimer !== undefined) return;
      nudgeTimer = setTimeout(
        () => {
          nudgeTimer = undefined;
          const fleets = nudged;
          nudged = new Set();
          background(fleets);
        },
        Math.max(nudgeDelayMs, lastDurationMs * (1 / DECIDING_SHARE - 1)),
      );
      nudgeTimer.unref();
    },
    start() {
      const tickMs = options.tickMs;
      if (tickMs === undefined || started || stopped) return;
      started = true;
      // One tick after another, never overlapping, spaced by tickMs or the last tick's duration if longer. The
      // lease must outlive the gap, or a lone controller would lose it between its own ticks.
      const gap = (): number => Math.min(Math.max(tickMs, lastDurationMs), leaseMs / 3);
      const next = (): void => {
        if (stopped) return;
        timer = setTimeout(() => {
          tick()
            .catch((error: unknown) => options.log?.error({ err: error }, 'controller tick failed'))
            .finally(next);
        }, gap());
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
      // Handing the lease back lets another controller decide at its next tick instead of after the lease expires.
      if (held !== undefined) {
        const fence = held;
        held = undefined;
        await store.releaseDecider(fence).catch(() => undefined);
      }
    },
    isLeader() {
      return held !== undefined;
    },
  };
}
