import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it gives a value (not undefined), or fails naming `what` once `timeoutMs` has passed. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
