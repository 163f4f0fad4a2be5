import { describe, expect, it } from 'vitest';
import { isStoreError, Store } from '../src/store/index.js';
import { digest, fleetDoc, hostDoc, report } from './helpers/fleet-docs.js';
import { type Dialect, storeBackends } from './helpers/store-backends.js';

/**
 * Reports that arrive together are written together on PostgreSQL (store/grouped-reports.ts). Whatever the grouping,
 * each report must be told what a report written alone would be told (whether it changed something a decision reads,
 * the host's fleet), reports of one host must land in the order they came, and a report for a host that does not
 * exist must fail alone. SQLite, which writes each report by itself, is the reference.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const { location } = storeBackends('patchline-grouped-reports-');

describe.each<Dialect>(['sqlite', 'postgres'])('reports arriving together on %s', (dialect) => {
  it('are each told what changed, and one for a host that does not exist fails alone', async () => {
    const store = await Store.open(await location(dialect));
    try {
      await store.createFleet(fleetDoc('web', { selector: { matchLabels: { role: 'web' } } }), T0);
      const names = Array.from({ length: 300 }, (_, index) => `h${String(index).padStart(3, '0')}`);
      for (const name of names)
        await store.createHost(hostDoc(name, { role: index(name) % 3 === 0 ? 'web' : 'db' }), T0);
      // Three waves; in each every host reports at once: digest 1, then digest 2 twice (the third changes nothing).
      const waves = [report(T0 + 1, digest(1)), report(T0 + 2, digest(2)), report(T0 + 3, digest(2))];
      for (const [wave, sent] of waves.entries()) {
        const outcomes = await Promise.all([
          ...names.map((name) => store.recordReport(name, sent)),
          store.recordReport('nobody', sent).catch((error: unknown) => error),
        ]);
        const missing = outcomes.pop();
        expect(isStoreError(missing) && missing.reason).toBe('NotFound');
        for (const [at, name] of names.entries()) {
          expect([name, wave, outcomes[at]]).toEqual([
            name,
            wave,
            { changed: wave !== 2, fleet: index(name) % 3 === 0 ? 'web' : undefined },
          ]);
        }
      }
      for (const name of names) {
        const host = await store.getHost(name);
        expect([name, host?.resource.status?.report?.receivedAt]).toEqual([name, new Date(T0 + 3).toISOString()]);
      }
    } finally {
      await store.close();
    }
  });
});

describe('reports of one host arriving together on postgres', () => {
  it('land in the order they came, each compared with the one before it', async () => {
    const store = await Store.open(await location('postgres'));
    try {
      await store.createHost(hostDoc('h1', {}), T0);
      const sent = [digest(1), digest(2), digest(2), digest(3)].map((each, at) => report(T0 + at, each));
      // All four in one turn of the event loop: a store writing them in one statement would lose three.
      const outcomes = await Promise.all(sent.map((each) => store.recordReport('h1', each)));
      expect(outcomes.map((outcome) => outcome.changed)).toEqual([true, true, false, true]);
      const host = await store.getHost('h1');
      expect(host?.resource.status?.report?.receivedAt).toBe(new Date(T0 + 3).toISOString());
    } finally {
      await store.close();
    }
  });
});

function index(name: string): number {
  return Number(name.slice(1));
}
