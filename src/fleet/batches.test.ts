import { describe, expect, it } from 'vitest';
import { type Batch, batchCapacity, type PlannedHost, planBatches } from './batches.js';
import { budgetGroup, budgetRoom, maxUnavailable } from './budget.js';

function hosts(count: number, zone: (index: number) => string): PlannedHost[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `host-${String(index).padStart(2, '0')}`,
    labels: { zone: zone(index) },
  }));
}

const fleet = hosts(20, (index) => (index % 4 === 0 ? 'a' : 'b')); // 5 hosts in zone a, 15 in zone b

function sizes(plan: Map<string, number>): number[] {
  const counts: number[] = [];
  for (const batch of plan.values()) counts[batch] = (counts[batch] ?? 0) + 1;
  return Array.from(counts, (count) => count ?? 0);
}

describe('planBatches', () => {
  const batches: Batch[] = [
    { name: 'canary', limit: 1 },
    { selector: { matchLabels: { zone: 'a' } }, limit: '50%' },
    { limit: '25%' },
  ];

  it('fills batches in order, by name, with the rest in the final batch', () => {
    const plan = planBatches({ batches, fleet, firstOpenBatch: 0, started: new Map(), waiting: fleet });
    // Canary 1; half of zone a's 5 hosts, rounded up, 3; a quarter of 20, 5; the remaining 11.
    expect(sizes(plan)).toEqual([1, 3, 5, 11]);
    expect(plan.get('host-00')).toBe(0);
    expect([...plan].filter(([, batch]) => batch === 1).map(([name]) => name)).toEqual([
      'host-04',
      'host-08',
      'host-12',
    ]);
    // Deterministic whatever order hosts come in.
    const shuffled = planBatches({
      batches,
      fleet,
      firstOpenBatch: 0,
      started: new Map(),
      waiting: [...fleet].reverse(),
    });
    expect([...shuffled].sort()).toEqual([...plan].sort());
  });

  it('counts started hosts against limits and places nobody in finished batches', () => {
    const waiting = [
      { name: 'late-a', labels: { zone: 'a' } },
      { name: 'late-b', labels: { zone: 'b' } },
    ];
    // Batch 1 has 2 of its 3 places taken; batch 0 is finished.
    const plan = planBatches({
      batches,
      fleet,
      firstOpenBatch: 1,
      started: new Map([
        [0, 1],
        [1, 2],
      ]),
      waiting,
    });
    expect(plan).toEqual(
      new Map([
        ['late-a', 1],
        ['late-b', 2],
      ]),
    );
    // In the final batch, everyone joins it.
    expect(planBatches({ batches, fleet, firstOpenBatch: 3, started: new Map(), waiting })).toEqual(
      new Map([
        ['late-a', 3],
        ['late-b', 3],
      ]),
    );
  });

  it('has a final batch only when no batches are listed, and allows empty ones', () => {
    expect(sizes(planBatches({ batches: [], fleet, firstOpenBatch: 0, started: new Map(), waiting: fleet }))).toEqual([
      20,
    ]);
    expect(batchCapacity({ limit: '0%' }, fleet)).toBe(0);
    expect(batchCapacity({ selector: { matchLabels: { zone: 'c' } }, limit: '50%' }, fleet)).toBe(0);
  });
});

describe('disruption budget', () => {
  const budget = { groupBy: 'zone', maxUnavailable: '30%' };

  it('rounds percentages down but allows at least one', () => {
    expect(maxUnavailable(budget, 10)).toBe(3);
    expect(maxUnavailable(budget, 2)).toBe(1);
    expect(maxUnavailable({ groupBy: 'zone', maxUnavailable: 2 }, 10)).toBe(2);
    expect(maxUnavailable(undefined, 10)).toBe(Number.POSITIVE_INFINITY);
  });

  it('groups by the label, with unlabelled hosts together', () => {
    expect(budgetGroup(budget, { zone: 'a' })).toBe('a');
    expect(budgetGroup(budget, {})).toBe('');
    const room = budgetRoom(budget, [
      ...Array.from({ length: 10 }, (_, index) => ({ group: 'a', unavailable: index < 1 })),
      { group: 'b', unavailable: true },
      { group: 'b', unavailable: true },
    ]);
    expect(room).toEqual(
      new Map([
        ['a', 2],
        ['b', -1],
      ]),
    );
  });
});
