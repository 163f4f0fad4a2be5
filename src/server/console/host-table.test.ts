import { describe, expect, it } from 'vitest';
import type { HostView } from './host-row.js';
import { hostPage, hostQuerySchema } from './host-table.js';

function host(index: number): HostView {
  return {
    name: `web-${String(index).padStart(3, '0')}`,
    labels: { zone: index % 2 === 0 ? 'a' : 'b' },
    release: index % 3 === 0 ? undefined : index % 3 === 1 ? 'v1' : 'v2',
    booted: index % 7 === 0 ? undefined : `sha256:${index}`,
    health: index % 5 === 0 ? 'unhealthy' : 'healthy',
    failedChecks: index % 5 === 0 ? ['app.service'] : [],
    lastSeen: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(),
    online: index % 4 !== 0,
  };
}

const HOSTS = Array.from({ length: 250 }, (_, index) => host(index));
const page = (query: Record<string, string>) => hostPage(HOSTS, hostQuerySchema.parse(query));

describe('a page of hosts', () => {
  it('cuts the sorted list into pages that together hold every host once', () => {
    const names = [0, 100, 200].flatMap((offset) => page({ offset: String(offset) }).items.map((each) => each.name));
    expect(names).toEqual(HOSTS.map((each) => each.name));
    expect(page({ offset: '200' })).toMatchObject({ total: 250, matched: 250, offset: 200, limit: 100 });
  });

  it('sorts on the server, ties broken by name', () => {
    const newest = page({ sort: 'lastSeen', dir: 'desc', limit: '3' }).items.map((each) => each.name);
    expect(newest).toEqual(['web-249', 'web-248', 'web-247']);
    const trouble = page({ sort: 'health', limit: '250' }).items;
    expect(trouble.slice(0, 50).every((each) => each.health === 'unhealthy')).toBe(true);
    expect(trouble[0]?.name).toBe('web-000');
  });

  it('combines filters: label, health, release, reachability', () => {
    const found = page({ q: 'zone=b', show: 'unhealthy', release: 'v2', limit: '500' }).items;
    expect(found.length).toBeGreaterThan(0);
    for (const each of found) {
      expect(each.labels.zone).toBe('b');
      expect(each.health).toBe('unhealthy');
      expect(each.release).toBe('v2');
    }
    expect(found).toHaveLength(
      HOSTS.filter((each) => each.labels.zone === 'b' && each.health === 'unhealthy' && each.release === 'v2').length,
    );
    expect(page({ release: '-', limit: '500' }).matched).toBe(
      HOSTS.filter((each) => each.release === undefined).length,
    );
    expect(page({ show: 'offline', limit: '500' }).matched).toBe(HOSTS.filter((each) => !each.online).length);
    expect(page({ show: 'unreported', limit: '500' }).matched).toBe(
      HOSTS.filter((each) => each.booted === undefined).length,
    );
    expect(page({ q: 'web-01' }).items.map((each) => each.name)).toEqual(
      Array.from({ length: 10 }, (_, index) => `web-01${index}`),
    );
  });

  it('refuses a query it does not understand, naming it', () => {
    expect(() => hostQuerySchema.parse({ sort: 'password' })).toThrow(/sort/);
    expect(() => hostQuerySchema.parse({ limit: '100000' })).toThrow(/limit/);
    expect(() => hostQuerySchema.parse({ extra: '1' })).toThrow();
  });
});
