import { describe, expect, it } from 'vitest';
import { observeHost } from './host-observation.js';
import { hostLastSeen, hostOfflineAfterMs, isOnline } from './online.js';
import type { Fleet, Host } from './resources.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const MIN = 60_000;

function host(status: Host['status']): Host {
  return { apiVersion: 'patchline.dev/v1', kind: 'Host', metadata: { name: 'web-01' }, status };
}

describe('online', () => {
  it('holds up to hostOfflineAfter, the bound included, and never for a host never seen', () => {
    expect(isOnline(T0, 5 * MIN, T0 + 5 * MIN)).toBe(true);
    expect(isOnline(T0, 5 * MIN, T0 + 5 * MIN + 1)).toBe(false);
    expect(isOnline(undefined, 5 * MIN, T0)).toBe(false);
  });

  it("takes the fleet's hostOfflineAfter, 5m without one", () => {
    const fleet = (hostOfflineAfter?: string): Fleet => ({
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: {
        selector: {},
        image: 'quay.io/example/os',
        ...(hostOfflineAfter === undefined ? {} : { hostOfflineAfter }),
      },
    });
    expect(hostOfflineAfterMs(undefined)).toBe(5 * MIN);
    expect(hostOfflineAfterMs(fleet())).toBe(5 * MIN);
    expect(hostOfflineAfterMs(fleet('30s'))).toBe(30_000);
  });

  it('counts a report as a sign of life, whichever of it and the last call is later', () => {
    const report = {
      receivedAt: '2026-12-07T10:04:00Z',
      bootc: { apiVersion: 'org.containers.bootc/v1' as const, kind: 'BootcHost' as const },
    };
    const reportOnly = host({ report });
    expect(hostLastSeen(reportOnly)).toBe(T0 + 4 * MIN);
    expect(hostLastSeen(host({ lastSeen: '2026-12-07T10:06:00Z', report }))).toBe(T0 + 6 * MIN);
    expect(hostLastSeen(host(undefined))).toBeUndefined();
    // The decider's observation is the same judgement.
    expect(observeHost(reportOnly, 5 * MIN, T0 + 9 * MIN).online).toBe(true);
    expect(observeHost(reportOnly, 5 * MIN, T0 + 9 * MIN + 1).online).toBe(false);
  });
});
