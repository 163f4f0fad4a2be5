import { describe, expect, it } from 'vitest';
import { fleetDoc, hostDoc } from './helpers/fleet-docs.js';
import { startServerHarness } from './helpers/server-harness.js';

const API = '/apis/patchline.dev/v1';

describe('labelSelector on the lists of the admin API', () => {
  it('answers equality- and set-based selectors on the server, and a bad one is a 400 naming the parameter', async () => {
    const h = await startServerHarness({ adminToken: 'admin', startAt: Date.parse('2026-12-07T10:00:00Z') });
    const hosts = [
      hostDoc('web-a', { role: 'web', zone: 'a' }),
      hostDoc('web-b', { role: 'web', zone: 'b', canary: 'yes' }),
      hostDoc('db-a', { role: 'db', zone: 'a' }),
      hostDoc('bare', {}),
    ];
    for (const host of hosts) expect((await h.admin('POST', `${API}/hosts`, host)).statusCode).toBe(201);
    const names = async (selector: string, plural = 'hosts') => {
      const response = await h.admin('GET', `${API}/${plural}?labelSelector=${encodeURIComponent(selector)}`);
      expect(response.statusCode, selector).toBe(200);
      return (response.json().items as Array<{ metadata: { name: string } }>).map((item) => item.metadata.name);
    };
    expect(await names('role=web')).toEqual(['web-a', 'web-b']);
    expect(await names('role==web,zone!=a')).toEqual(['web-b']);
    expect(await names('zone in (a, b),!canary')).toEqual(['db-a', 'web-a']);
    expect(await names('zone notin (a)')).toEqual(['bare', 'web-b']);
    expect(await names('canary')).toEqual(['web-b']);
    expect(await names('')).toEqual(['bare', 'db-a', 'web-a', 'web-b']);

    const fleet = fleetDoc('web');
    fleet.metadata.labels = { team: 'ops' };
    expect((await h.admin('POST', `${API}/fleets`, fleet)).statusCode).toBe(201);
    expect(await names('team=ops', 'fleets')).toEqual(['web']);
    expect(await names('team=dev', 'fleets')).toEqual([]);

    const bad = await h.admin('GET', `${API}/hosts?labelSelector=${encodeURIComponent('zone in (a')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(bad.json().message).toMatch(/^labelSelector: zone in \(a: expected /);
  });
});
