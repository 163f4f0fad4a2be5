import { describe, expect, it } from 'vitest';
import {
  acquireLock,
  checkFleetLockHeader,
  EMPTY_FLEETLOCK,
  expireLocks,
  type FleetLockConfig,
  type FleetLockState,
  lockHolders,
  parseFleetLockBody,
  releaseLock,
} from './fleetlock.js';

const config: FleetLockConfig = { defaultSlots: 1, groupSlots: { workers: 2 }, ttlMs: 60 * 60_000 };
const T0 = Date.parse('2024-05-01T10:00:00Z');
const minutes = (count: number) => T0 + count * 60_000;

function request(id: string, group = 'default') {
  return { client_params: { id, group } };
}

function lock(state: FleetLockState, id: string, group: string, at: number) {
  return acquireLock(state, config, request(id, group), at);
}

describe('FleetLock', () => {
  it('hands out the slots of a group and refuses the next client with the protocol’s error', () => {
    let state = EMPTY_FLEETLOCK;
    const first = lock(state, 'a', 'workers', minutes(0));
    const second = lock(first.state, 'b', 'workers', minutes(1));
    const third = lock(second.state, 'c', 'workers', minutes(2));
    expect([first.response, second.response]).toEqual([{ status: 200 }, { status: 200 }]);
    expect(third.response).toEqual({
      status: 409,
      body: { kind: 'failed_lock_semaphore_full', value: 'group workers: all 2 reboot slot(s) are taken' },
    });
    // Groups are separate semaphores: the default group still has its one slot.
    state = lock(third.state, 'd', 'default', minutes(3)).state;
    expect(lockHolders(state, minutes(3)).map((holder) => `${holder.group}/${holder.id}`)).toEqual([
      'default/d',
      'workers/a',
      'workers/b',
    ]);
    // When a slot is given back, the waiting client gets it.
    state = releaseLock(state, request('a', 'workers'), minutes(4)).state;
    expect(lock(state, 'c', 'workers', minutes(5)).response).toEqual({ status: 200 });
  });

  it('is recursive: locking again keeps one slot and renews it; unlocking what is not held succeeds', () => {
    let state = lock(EMPTY_FLEETLOCK, 'a', 'default', minutes(0)).state;
    const again = lock(state, 'a', 'default', minutes(30));
    expect(again.response).toEqual({ status: 200 });
    expect(lockHolders(again.state, minutes(30))).toEqual([
      { id: 'a', group: 'default', acquiredAt: minutes(0), expiresAt: minutes(90) },
    ]);
    state = releaseLock(again.state, request('a'), minutes(31)).state;
    expect(lockHolders(state, minutes(31))).toEqual([]);
    expect(releaseLock(state, request('a'), minutes(32)).response).toEqual({ status: 200 });
    expect(releaseLock(EMPTY_FLEETLOCK, request('nobody'), minutes(0)).response).toEqual({ status: 200 });
  });

  it('expires locks after the TTL so a dead host cannot block its group', () => {
    const state = lock(EMPTY_FLEETLOCK, 'dead', 'default', minutes(0)).state;
    expect(lock(state, 'b', 'default', minutes(59)).response.status).toBe(409);
    const later = lock(state, 'b', 'default', minutes(60));
    expect(later.response).toEqual({ status: 200 });
    expect(lockHolders(later.state, minutes(60)).map((holder) => holder.id)).toEqual(['b']);
    expect(expireLocks(state, minutes(60))).toEqual({
      state: EMPTY_FLEETLOCK,
      expired: [{ id: 'dead', group: 'default', acquiredAt: minutes(0), expiresAt: minutes(60) }],
    });
  });

  it('moves a client that asks in another group, and unlocks it whatever group it names', () => {
    const state = lock(EMPTY_FLEETLOCK, 'a', 'default', minutes(0)).state;
    const moved = lock(state, 'a', 'workers', minutes(1));
    expect(lockHolders(moved.state, minutes(1)).map((holder) => holder.group)).toEqual(['workers']);
    expect(lockHolders(releaseLock(moved.state, request('a', 'default'), minutes(2)).state, minutes(2))).toEqual([]);
  });

  it('checks the protocol header and the body', () => {
    expect(checkFleetLockHeader('true')).toBeUndefined();
    expect(checkFleetLockHeader(undefined)).toEqual({
      status: 400,
      body: { kind: 'bad_request_missing_protocol_header', value: 'the fleet-lock-protocol header must be "true"' },
    });
    expect(parseFleetLockBody({ client_params: { id: 'c988d2509fdf4cdcbed39037c56406fb', group: 'default' } })).toEqual(
      {
        ok: true,
        request: { client_params: { id: 'c988d2509fdf4cdcbed39037c56406fb', group: 'default' } },
      },
    );
    const bad = parseFleetLockBody({ client_params: { id: 'a', group: 'no spaces' } });
    expect(bad.ok ? undefined : bad.response).toMatchObject({
      status: 400,
      body: { kind: 'bad_request_invalid_body', value: expect.stringMatching(/^client_params\.group: /) },
    });
    expect(parseFleetLockBody({ client_params: { id: '', group: 'default' } }).ok).toBe(false);
  });
});
