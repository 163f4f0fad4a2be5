import { describe, expect, it } from 'vitest';
import type { Fleet, Host } from '../fleet/index.js';
import type { Stored } from '../store/index.js';
import { presentHost } from './present.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');

describe('presentHost', () => {
  it('judges online as the decider does: a report is a sign of life, up to hostOfflineAfter included', () => {
    const stored: Stored<Host> = {
      resourceVersion: 3,
      resource: {
        apiVersion: 'patchline.dev/v1',
        kind: 'Host',
        metadata: { name: 'web-01', labels: { role: 'web' } },
        status: {
          report: {
            receivedAt: '2026-12-07T10:00:00Z',
            bootc: { apiVersion: 'org.containers.bootc/v1', kind: 'BootcHost' },
          },
        },
      },
    };
    const fleet: Stored<Fleet> = {
      resourceVersion: 1,
      resource: {
        apiVersion: 'patchline.dev/v1',
        kind: 'Fleet',
        metadata: { name: 'web' },
        spec: { selector: { matchLabels: { role: 'web' } }, image: 'quay.io/example/os', hostOfflineAfter: '2m' },
      },
    };
    expect(presentHost(stored, [fleet], T0 + 120_000).status).toMatchObject({ online: true, fleet: 'web' });
    expect(presentHost(stored, [fleet], T0 + 120_001).status?.online).toBe(false);
    expect(presentHost(stored, [], T0 + 120_001).status).toMatchObject({ online: true });
    expect(presentHost(stored, [], T0 + 120_001).status?.fleet).toBeUndefined();
  });
});
