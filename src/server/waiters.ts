/**
 * Wakes long-polling hosts when what they should run may have changed: the controller names the hosts a decision
 * moved, or everybody when a rollout changed phase or an admin changed something.
 */
export interface Waiters {
  /** Resolves when the host is woken, or after `ms`. */
  wait(host: string, ms: number): Promise<void>;
  notify(hosts: Iterable<string>): void;
  notifyAll(): void;
  size(): number;
}

export function createWaiters(): Waiters {
  const waiting = new Map<string, Set<() => void>>();
  let count = 0;
  const wake = (host: string): void => {
    const set = waiting.get(host);
    if (set === undefined) return;
    waiting.delete(host);
    for (const resolve of set) resolve();
  };
  return {
    wait(host, ms) {
      return new Promise((resolve) => {
        const set = waiting.get(host) ?? new Set();
        waiting.set(host, set);
        count++;
        const done = (): void => {
          clearTimeout(timer);
          if (set.delete(done) && set.size === 0 && waiting.get(host) === set) waiting.delete(host);
          count--;
          resolve();
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      });
    },
    notify(hosts) {
      for (const host of hosts) wake(host);
    },
    notifyAll() {
      for (const host of [...waiting.keys()]) wake(host);
    },
    size() {
      return count;
    },
  };
}
