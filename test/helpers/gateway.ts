import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Release } from '../../src/fleet/index.js';
import { createServer, type GatewayOptions, type PatchlineServer } from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from './tmp.js';

/**
 * The registry gateway as hosts meet it: `patchline serve`'s server in this process, listening on a local port, with
 * the gateway in front of a real upstream registry; skopeo (containers/image, as bootc pulls) as each host's puller.
 */

export interface RunResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program without blocking this process (the server under test lives here too). */
export function run(
  program: string,
  args: readonly string[],
  timeoutMs = 120_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** skopeo, failing with its stderr unless it exits 0. */
export async function skopeo(...args: string[]): Promise<Buffer> {
  const result = await run('skopeo', args);
  if (result.status !== 0) throw new Error(`skopeo ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A containers auth.json with one registry's credentials. */
export async function authFile(registry: string, username: string, password: string): Promise<string> {
  const file = join(await tempDir('patchline-auth-'), 'auth.json');
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  await writeFile(file, JSON.stringify({ auths: { [registry]: { auth } } }));
  return file;
}

export interface GatewayHarness {
  server: PatchlineServer;
  store: Store;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as in image references. */
  address: string;
  now: { offsetMs: number };
  cacheDir: string;
  /** The SQLite file; a second server may be started on it (controllers sharing a database). */
  database: string;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: () => unknown; body: string }>;
  /** Enrolls a host and returns its credential. */
  enroll(name: string, labels: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export const ADMIN = 'gateway-test-admin';
export const API = '/apis/patchline.dev/v1';

/**
 * The server on a fresh SQLite database with the gateway on; the clock is real time plus `now.offsetMs`. A test that
 * moves the clock and ticks the controller by hand passes `handTicked`, so no tick a host call asked for runs at a
 * moment the test did not choose.
 */
export async function startGateway(
  gateway: Partial<GatewayOptions> = {},
  options: { tickMs?: number; database?: string; handTicked?: boolean } = {},
): Promise<GatewayHarness> {
  const dir = await tempDir('patchline-gateway-');
  const database = options.database ?? join(dir, 'controller.db');
  const store = await Store.open(database);
  const now = { offsetMs: 0 };
  const cacheDir = join(dir, 'cache');
  const server = await createServer({
    store,
    adminToken: ADMIN,
    clock: () => Date.now() + now.offsetMs,
    tickMs: options.tickMs,
    // A nudge that never comes due within a test: the test's own tick() calls are the only decisions.
    nudgeDelayMs: options.handTicked === true ? 24 * 3_600_000 : 50,
    gateway: { cacheDir, ...gateway },
  });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await server.app.inject({
      method: method as 'GET',
      url: `${API}/${path}`,
      headers: { authorization: `Bearer ${ADMIN}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: response.statusCode, json: () => response.json() as unknown, body: response.body };
  };
  return {
    server,
    store,
    url,
    address: url.replace(/^http:\/\//, ''),
    now,
    cacheDir,
    database,
    admin,
    async enroll(name, labels) {
      const token = ((await admin('POST', 'enrollment-tokens', { labels })).json() as { token: string }).token;
      const enrolled = await server.app.inject({ method: 'POST', url: '/host/v1/enroll', payload: { token, name } });
      if (enrolled.statusCode !== 201) throw new Error(`enroll ${name}: ${enrolled.body}`);
      return (enrolled.json() as { credential: string }).credential;
    },
    async close() {
      await server.app.close();
      await store.close();
    },
  };
}

export function release(name: string, fleet: string, image: string, platformDigests?: string[]): Release {
  return {
    apiVersion: 'patchline.dev/v1',
    kind: 'Release',
    metadata: { name },
    spec: { fleet, image, gate: { passed: true }, ...(platformDigests === undefined ? {} : { platformDigests }) },
  };
}
