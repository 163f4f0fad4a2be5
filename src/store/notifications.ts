import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database, Dialect } from './schema.js';

/**
 * Messages between controllers that share a PostgreSQL database (LISTEN/NOTIFY): `desired` wakes hosts long-polling
 * any controller when a decision changed what they should run (payload: host names as JSON, or `*` for everybody);
 * `decide` asks the decider to decide a fleet soon (payload: the fleet's name, or `*`); `credentials` names hosts
 * whose credentials were taken away, so that no controller still accepts them. A notification published in
 * a transaction is delivered when it commits, and not at all if it rolls back. On SQLite there is one controller per
 * database file, and nothing to tell.
 */
export type Channel = 'patchline_desired' | 'patchline_decide' | 'patchline_credentials';
const CHANNELS: readonly Channel[] = ['patchline_desired', 'patchline_decide', 'patchline_credentials'];

/** What a message names: hosts or fleets, or all of them. */
export type Names = Set<string> | 'all';

// PostgreSQL refuses payloads of 8,000 bytes or more.
const MAX_PAYLOAD_BYTES = 7900;

export interface Notifications {
  publish(db: Kysely<Database>, channel: Channel, names: Names): Promise<void>;
  /** Returns what unsubscribes. */
  subscribe(channel: Channel, handler: (names: Names) => void): () => void;
  /** Told when the listening connection came back after a loss: anything published meanwhile was missed. */
  onReconnect(handler: () => void): () => void;
  /** Starts listening (PostgreSQL: one connection of its own). */
  listen(): Promise<void>;
  /** Whether what other controllers publish reaches this one now (always on SQLite: there are none). */
  hearing(): boolean;
  close(): Promise<void>;
}

export function createNotifications(dialect: Dialect, location: string): Notifications {
  return dialect === 'postgres' ? postgresNotifications(location) : localOnly();
}

function localOnly(): Notifications {
  return {
    async publish() {},
    subscribe() {
      return () => undefined;
    },
    onReconnect() {
      return () => undefined;
    },
    async listen() {},
    hearing() {
      return true;
    },
    async close() {},
  };
}

const RETRY_MS = [250, 1000, 5000];

function postgresNotifications(location: string): Notifications {
  const handlers = new Map<string, Set<(names: Names) => void>>();
  const reconnected = new Set<() => void>();
  let client: pg.Client | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: location });
    next.on('notification', (message) => {
      const names = decodeNames(message.payload ?? '');
      for (const handler of handlers.get(message.channel) ?? []) handler(names);
    });
    // A lost connection (server restart, failover) is replaced; until then the tick timer still decides everything.
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    await next.connect();
    for (const channel of CHANNELS) await next.query(`LISTEN ${channel}`);
    client = next;
  }

  function lost(which: pg.Client): void {
    if (closed || client !== which) return;
    client = undefined;
    which.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (closed || retry !== undefined) return;
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          failures = 0;
          for (const handler of reconnected) handler();
        },
        () => {
          failures++;
          schedule();
        },
      );
    }, delay);
    retry.unref();
  }

  return {
    async publish(db, channel, names) {
      await sql`select pg_notify(${channel}, ${encodeNames(names)})`.execute(db);
    },
    subscribe(channel, handler) {
      const set = handlers.get(channel) ?? new Set();
      handlers.set(channel, set);
      set.add(handler);
      return () => set.delete(handler);
    },
    onReconnect(handler) {
      reconnected.add(handler);
      return () => reconnected.delete(handler);
    },
    async listen() {
      if (client !== undefined || closed) return;
      await connect();
    },
    hearing() {
      return client !== undefined;
    },
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      const open = client;
      client = undefined;
      await open?.end().catch(() => undefined);
    },
  };
}

/** A payload: the names as JSON, or `*` for all of them (and when the list would be too long to send). */
function encodeNames(names: Names): string {
  if (names === 'all') return '*';
  const payload = JSON.stringify([...names]);
  return Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES ? '*' : payload;
}

/** Anything but a JSON list of names means all of them: waking too many is safe, waking too few is not. */
function decodeNames(payload: string): Names {
  if (payload === '*') return 'all';
  try {
    const names: unknown = JSON.parse(payload);
    if (Array.isArray(names) && names.every((name) => typeof name === 'string')) return new Set(names);
  } catch {
    // falls through
  }
  return 'all';
}
