import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setLogger } from '../core/index.js';
import { httpFetch } from './fetch.js';
import { fetchWithRetry, networkErrorCode, type RetryClock, retryPolicy } from './retry.js';

// A real server on the loopback interface for each behaviour a client must survive; the waits the retries ask for go
// to an injected clock, so nothing here sleeps, and no assertion reads the wall clock.

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (handler === undefined) response.writeHead(404).end();
    else handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The log records the library writes, as JSON objects. */
let records: Record<string, unknown>[] = [];
const previousLogger = setLogger(
  createLogger({ level: 'info', stream: { write: (line: string) => void records.push(JSON.parse(line)) } }),
);
afterAll(() => setLogger(previousLogger));
afterEach(() => {
  records = [];
});

/** Time stands still except for what is slept, which is recorded. */
function fakeClock(start = Date.parse('2026-12-07T12:00:00Z')): RetryClock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
}

/** Answers `failures` in turn, then 200 with `ok`. */
function failingThen(failures: [number, Record<string, string>][], ok: string): Handler {
  let served = 0;
  return (_request, response) => {
    const failure = failures[served++];
    if (failure === undefined) response.writeHead(200, { 'content-type': 'text/plain' }).end(ok);
    else response.writeHead(failure[0], failure[1]).end('busy');
  };
}

describe('httpFetch with fetchWithRetry against a real server', () => {
  it('waits what a 503 Retry-After in seconds asks, logs the retry, then returns the 200', async () => {
    routes.set('/seconds', failingThen([[503, { 'retry-after': '7' }]], 'done'));
    const clock = fakeClock();
    const url = `${base}/seconds?token=secret`;
    const response = await fetchWithRetry(() => httpFetch(url), retryPolicy({ clock }), { method: 'GET', url });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('done');
    expect(clock.slept).toEqual([7000]);
    expect(records).toEqual([
      expect.objectContaining({
        level: 40,
        url: `${base}/seconds`,
        method: 'GET',
        status: 503,
        attempt: 1,
        waitMs: 7000,
      }),
    ]);
    // The query (where signed URLs keep their signature) is not logged.
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('waits until the HTTP date a 429 names, by the injected clock', async () => {
    const clock = fakeClock();
    const date = new Date(clock.now() + 12_000).toUTCString();
    routes.set('/date', failingThen([[429, { 'retry-after': date }]], 'done'));
    const url = `${base}/date`;
    const response = await fetchWithRetry(() => httpFetch(url), retryPolicy({ clock }), { method: 'GET', url });
    expect(response.status).toBe(200);
    await response.body?.cancel();
    expect(clock.slept).toEqual([12_000]);
    expect(records.map((record) => [record.status, record.waitMs])).toEqual([[429, 12_000]]);
  });

  it('backs off with the injected jitter without Retry-After, and returns the last 502 when attempts run out', async () => {
    routes.set('/down', (_request, response) => response.writeHead(502).end());
    hits.delete('/down');
    const clock = fakeClock();
    const url = `${base}/down`;
    const policy = retryPolicy({ attempts: 3, baseDelayMs: 100, clock });
    const response = await fetchWithRetry(() => httpFetch(url), policy, { method: 'GET', url });
    expect(response.status).toBe(502);
    await response.body?.cancel();
    expect(hits.get('/down')).toBe(3);
    // Equal jitter at random() = 0.5: three quarters of 100, then of 200.
    expect(clock.slept).toEqual([75, 150]);
    expect(records.map((record) => record.attempt)).toEqual([1, 2]);
  });

  it('retries a refused connection, logging its code, and rethrows it when attempts run out', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const clock = fakeClock();
    const failure = await fetchWithRetry(() => httpFetch(url), retryPolicy({ attempts: 2, clock }), {
      method: 'GET',
      url,
    }).catch((error: unknown) => error);
    expect(networkErrorCode(failure)).toBe('ECONNREFUSED');
    expect(clock.slept).toHaveLength(1);
    expect(records).toEqual([expect.objectContaining({ code: 'ECONNREFUSED', attempt: 1, url })]);
  });

  it('gives up on a server that never sends its headers, saying which bound it hit', async () => {
    routes.set('/silent', () => undefined);
    const failure = await httpFetch(`${base}/silent`, {}, { responseMs: 300 }).catch((error: unknown) => error);
    expect(networkErrorCode(failure)).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect((failure as Error).message).toBe('no response within 300 ms');
  });

  it('gives up on a body that stops mid-way', async () => {
    routes.set('/stalls', (_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write(Buffer.alloc(100));
    });
    const response = await httpFetch(`${base}/stalls`, {}, { idleMs: 300 });
    expect(response.status).toBe(200);
    const failure = await response.arrayBuffer().catch((error: unknown) => error);
    expect(networkErrorCode(failure)).toBe('UND_ERR_BODY_TIMEOUT');
  });
});

describe('every outbound request', () => {
  it('goes through src/http: no other module of the library calls fetch itself', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = new URL('..', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter(
      // The console's scripts run in the browser, where fetch is the only client.
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith('http/'),
    );
    const callers: string[] = [];
    for (const file of files) {
      const text = await readFile(new URL(file, root), 'utf8');
      // A method of our own named fetch (`this.fetch(`, `async fetch(`) is not the global.
      if (/(?<![.\w])fetch\(/.test(text.replace(/(async|private|public)\s+fetch\(/g, ''))) callers.push(file);
    }
    expect(callers).toEqual([]);
  });
});
