import { z } from 'zod';
import { formatSchemaError } from '../core/index.js';
import { compareNames } from './batches.js';
import { type Instant, toMillis } from './instant.js';

/**
 * The FleetLock reboot semaphore (the HTTP protocol Zincati and other clients speak) as pure state.
 *
 * Before rebooting into a staged update a client POSTs /v1/pre-reboot to take a slot of its group; once it is up
 * again it POSTs /v1/steady-state to give the slot back. Locks belong to the client id that took them, and both
 * operations are recursive: locking again while holding succeeds (and renews the lock), unlocking what is not held
 * succeeds too, so clients can simply retry. Each group has a number of slots. Locks expire after a TTL, so a host
 * that died mid-reboot cannot block its group forever; the TTL should comfortably exceed a reboot and health check.
 */

/** Client groups as the protocol allows them. */
export const FLEETLOCK_GROUP_PATTERN = /^[a-zA-Z0-9.-]+$/;

/**
 * A client id: a host name or the id a FleetLock client sends for its machine (Zincati: 32 hex digits). Bounded, as
 * is the group: both come from anyone who can reach the endpoint, and are logged.
 */
export const fleetLockIdSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._-]+$/, 'expected an id of letters, digits, ".", "_" and "-"');

export const fleetLockRequestSchema = z.object({
  client_params: z.object({
    id: fleetLockIdSchema,
    group: z.string().max(63).regex(FLEETLOCK_GROUP_PATTERN, 'expected a group of letters, digits, "." and "-"'),
  }),
});
export type FleetLockRequest = z.infer<typeof fleetLockRequestSchema>;

export interface FleetLockConfig {
  /** Slots of a group not listed in groupSlots. */
  defaultSlots: number;
  groupSlots?: Readonly<Record<string, number>> | undefined;
  ttlMs: number;
}

export interface LockHolder {
  id: string;
  group: string;
  acquiredAt: number;
  /** Renewed each time the holder locks again. */
  expiresAt: number;
}

/** Holders by client id: one client holds at most one slot. Times are milliseconds since the epoch. */
export interface FleetLockState {
  holders: Readonly<Record<string, LockHolder>>;
}

export const EMPTY_FLEETLOCK: FleetLockState = { holders: {} };

/** Error kinds are a small fixed set, as the protocol asks: clients count them in metrics. */
export type FleetLockErrorKind =
  | 'failed_lock_semaphore_full'
  | 'bad_request_missing_protocol_header'
  | 'bad_request_invalid_body';

/** The protocol's error body. */
export interface FleetLockError {
  kind: FleetLockErrorKind;
  value: string;
}

export type FleetLockResponse = { status: 200 } | { status: 400 | 409; body: FleetLockError };

export interface FleetLockOutcome {
  state: FleetLockState;
  response: FleetLockResponse;
}

const OK: FleetLockResponse = { status: 200 };

/** Requests must carry `fleet-lock-protocol: true`, so a redirected or stray POST cannot take or drop a lock. */
export function checkFleetLockHeader(value: string | undefined): FleetLockResponse | undefined {
  return value === 'true'
    ? undefined
    : {
        status: 400,
        body: { kind: 'bad_request_missing_protocol_header', value: 'the fleet-lock-protocol header must be "true"' },
      };
}

export function parseFleetLockBody(
  body: unknown,
): { ok: true; request: FleetLockRequest } | { ok: false; response: FleetLockResponse } {
  const parsed = fleetLockRequestSchema.safeParse(body);
  if (parsed.success) {
    return { ok: true, request: parsed.data };
  }
  return {
    ok: false,
    response: {
      status: 400,
      body: { kind: 'bad_request_invalid_body', value: formatSchemaError(parsed.error, { whole: 'body' }) },
    },
  };
}

export function slotsOf(config: FleetLockConfig, group: string): number {
  return config.groupSlots?.[group] ?? config.defaultSlots;
}

function live(state: FleetLockState, now: number): Record<string, LockHolder> {
  return Object.fromEntries(Object.entries(state.holders).filter(([, holder]) => holder.expiresAt > now));
}

/** RecursiveLock: take a slot of the group for the client, or renew the one it holds. */
export function acquireLock(
  state: FleetLockState,
  config: FleetLockConfig,
  request: FleetLockRequest,
  now: Instant,
): FleetLockOutcome {
  const at = toMillis(now);
  const { id, group } = request.client_params;
  const holders = live(state, at);
  const held = holders[id];
  if (held !== undefined && held.group === group) {
    holders[id] = { ...held, expiresAt: at + config.ttlMs };
    return { state: { holders }, response: OK };
  }
  // A client that now asks in another group was reconfigured (its new image may set another group): the old slot is
  // stale either way, so it is given back before asking for the new one.
  delete holders[id];
  const taken = Object.values(holders).filter((holder) => holder.group === group).length;
  const slots = slotsOf(config, group);
  if (taken >= slots) {
    return {
      state: { holders },
      response: {
        status: 409,
        body: {
          kind: 'failed_lock_semaphore_full',
          value: `group ${group}: all ${slots} reboot slot(s) are taken`,
        },
      },
    };
  }
  holders[id] = { id, group, acquiredAt: at, expiresAt: at + config.ttlMs };
  return { state: { holders }, response: OK };
}

/** UnlockIfHeld: give back the client's slot, whichever group it is in; succeeds when it holds none. */
export function releaseLock(state: FleetLockState, request: FleetLockRequest, now: Instant): FleetLockOutcome {
  const holders = live(state, toMillis(now));
  delete holders[request.client_params.id];
  return { state: { holders }, response: OK };
}

/** The current holders (expired locks are gone), by group, then oldest first. */
export function lockHolders(state: FleetLockState, now: Instant, group?: string): LockHolder[] {
  return Object.values(live(state, toMillis(now)))
    .filter((holder) => group === undefined || holder.group === group)
    .sort((a, b) => compareNames(a.group, b.group) || a.acquiredAt - b.acquiredAt || compareNames(a.id, b.id));
}

/** Drops expired locks, and says whose they were (worth an event: a host that never came back from its reboot). */
export function expireLocks(state: FleetLockState, now: Instant): { state: FleetLockState; expired: LockHolder[] } {
  const at = toMillis(now);
  const expired = Object.values(state.holders).filter((holder) => holder.expiresAt <= at);
  return { state: { holders: live(state, at) }, expired };
}
