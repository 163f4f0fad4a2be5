import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, expect } from 'vitest';
import {
  createServer,
  type PatchlineServer,
  type RetentionOptions,
  type ServerLimits,
} from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from './tmp.js';

/**
 * The controller in this process (fastify's inject, no port) on a fresh database, with the test's own clock: what
 * the server, rollout-control and pipeline tests share. Every harness is closed after each test.
 */
export interface ServerHarness {
  server: PatchlineServer;
  app: FastifyInstance;
  store: Store;
  /** The server's clock: move `value` to move time. */
  now: { value: number };
  admin(method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  host(credential: string, method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Enrolls a host with a token carrying `labels` and returns its credential. */
  enroll(name: string, labels?: Record<string, string>): Promise<string>;
}

export interface ServerHarnessOptions {
  /** The admin token the server requires (null: none) and `admin()` sends. */
  adminToken: string | null;
  /** A SQLite file or PostgreSQL URL; a fresh SQLite file when unset. */
  database?: string;
  limits?: Partial<ServerLimits>;
  /** Prune the store on a timer (started when the app listens). */
  retention?: RetentionOptions;
  startAt: number;
}

const API = '/apis/patchline.dev/v1';
const open: ServerHarness[] = [];

afterEach(async () => {
  for (const harness of open.splice(0)) {
    await harness.app.close();
    await harness.store.close();
  }
});

export async function startServerHarness(options: ServerHarnessOptions): Promise<ServerHarness> {
  const store = await Store.open(options.database ?? join(await tempDir('patchline-server-'), 'controller.db'));
  const now = { value: options.startAt };
  const server = await createServer({
    store,
    adminToken: options.adminToken,
    clock: () => now.value,
    limits: options.limits,
    retention: options.retention,
  });
  const { app } = server;
  const as = (token: string | null) => (method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const admin = as(options.adminToken);
  const harness: ServerHarness = {
    server,
    app,
    store,
    now,
    admin,
    host: (credential, method, url, payload) => as(credential)(method, url, payload),
    async enroll(name, labels = {}) {
      const token = (await admin('POST', `${API}/enrollment-tokens`, { labels })).json().token as string;
      const enrolled = await app.inject({ method: 'POST', url: '/host/v1/enroll', payload: { token, name } });
      expect(enrolled.statusCode, enrolled.body).toBe(201);
      return enrolled.json().credential as string;
    },
  };
  open.push(harness);
  return harness;
}
