import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector-text.js';
import { matchesSelector } from './labels.js';

function selects(text: string, labels: Record<string, string>): boolean {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return matchesSelector(parsed.selector, labels);
}

describe('parseLabelSelector', () => {
  it('reads equality-based requirements, all of which must hold', () => {
    expect(selects('role=web,zone==a', { role: 'web', zone: 'a' })).toBe(true);
    expect(selects('role=web,zone==a', { role: 'web', zone: 'b' })).toBe(false);
    expect(selects('zone!=a', { role: 'web' })).toBe(true);
    expect(selects('zone!=a', { zone: 'a' })).toBe(false);
    expect(selects('', {})).toBe(true);
  });

  it('reads set-based requirements and existence, with the commas inside a set kept in it', () => {
    expect(selects('zone in (a, b),role', { zone: 'b', role: 'db' })).toBe(true);
    expect(selects('zone in (a, b),role', { zone: 'c', role: 'db' })).toBe(false);
    expect(selects('zone notin (a,b)', {})).toBe(true);
    expect(selects('!canary', { canary: 'yes' })).toBe(false);
    expect(selects(' !canary , role = web ', { role: 'web' })).toBe(true);
    expect(parseLabelSelector('example.com/tier=gold')).toEqual({
      ok: true,
      selector: { matchLabels: { 'example.com/tier': 'gold' } },
    });
  });

  it('names the requirement that cannot be read', () => {
    expect(parseLabelSelector('role=web,zone in (a')).toMatchObject({ ok: false, problem: /^zone in \(a: expected/ });
    expect(parseLabelSelector('role=web,,zone=a')).toMatchObject({ ok: false, problem: /^an empty requirement/ });
    expect(parseLabelSelector('zone in (a,)')).toMatchObject({ ok: false, problem: /needs values/ });
    expect(parseLabelSelector('-bad=x')).toMatchObject({ ok: false, problem: /-bad is not a label key/ });
    expect(parseLabelSelector('role=we b')).toMatchObject({ ok: false });
    expect(parseLabelSelector('role=a,role=b')).toMatchObject({ ok: false, problem: /already required/ });
  });
});
