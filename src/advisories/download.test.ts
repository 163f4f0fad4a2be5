import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, setLogger } from '../core/index.js';
import { download, fetchSmall } from './download.js';

// A publisher that is busy first: the downloader must wait what it asks (by the injected clock, so nothing sleeps
// here), say so in the log, and still verify what it finally gets.

const FILE = Buffer.from('feed contents\n'.repeat(100));
let server: Server;
let base: string;
let work: string;
const answered: Record<string, number[]> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'patchline-download-'));
  const busyFirst: Record<string, [number, Record<string, string>]> = {
    '/seconds.json': [503, { 'retry-after': '9' }],
    '/date.txt': [429, { 'retry-after': 'Mon, 07 Dec 2026 12:00:04 GMT' }],
    '/too-long.json': [503, { 'retry-after': '3600' }],
  };
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    const statuses = answered[path] ?? [];
    answered[path] = statuses;
    const busy = busyFirst[path];
    const status = busy !== undefined && (statuses.length === 0 || path === '/too-long.json') ? busy[0] : 200;
    statuses.push(status);
    if (status !== 200) response.writeHead(status, busy?.[1]).end();
    else response.writeHead(200, { 'content-length': String(FILE.length) }).end(FILE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

function fakeClock() {
  let now = Date.parse('2026-12-07T12:00:00Z');
  const slept: number[] = [];
  return {
    slept,
    clock: {
      now: () => now,
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
      random: () => 0.5,
    },
  };
}

async function logged<T>(run: () => Promise<T>): Promise<{ result: T; records: Record<string, unknown>[] }> {
  const records: Record<string, unknown>[] = [];
  const previous = setLogger(
    createLogger({ level: 'info', stream: { write: (line: string) => void records.push(JSON.parse(line)) } }),
  );
  try {
    return { result: await run(), records };
  } finally {
    setLogger(previous);
  }
}

describe('feed downloads retry as the publisher asks', () => {
  it('waits the seconds a 503 Retry-After names, logs the retry, and verifies the file', async () => {
    const { slept, clock } = fakeClock();
    const sha256 = createHash('sha256').update(FILE).digest('hex');
    const path = join(work, 'seconds.json');
    const { result, records } = await logged(() =>
      download({ url: `${base}/seconds.json`, path, maxBytes: 1 << 20, sha256 }, { clock }),
    );
    expect(result).toMatchObject({ status: 'downloaded', bytes: FILE.length, verified: ['sha256'] });
    expect(await readFile(path)).toEqual(FILE);
    expect(answered['/seconds.json']).toEqual([503, 200]);
    expect(slept).toEqual([9000]);
    expect(records).toEqual([
      expect.objectContaining({ level: 40, url: `${base}/seconds.json`, status: 503, attempt: 1, waitMs: 9000 }),
    ]);
  });

  it('waits until the HTTP date a 429 names, by the injected clock', async () => {
    const { slept, clock } = fakeClock();
    const { result, records } = await logged(() => fetchSmall(`${base}/date.txt`, 1 << 20, { clock }));
    expect(result).toBe(FILE.toString('utf8'));
    expect(slept).toEqual([4000]);
    expect(records.map((record) => [record.status, record.waitMs])).toEqual([[429, 4000]]);
  });

  it('gives up at once, naming the URL, when the publisher asks for longer than the bounds allow', async () => {
    const { slept, clock } = fakeClock();
    const url = `${base}/too-long.json`;
    const failure = await download({ url, path: join(work, 'too-long.json'), maxBytes: 1 << 20 }, { clock }).catch(
      (error: unknown) => error as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      `${url}: download failed after 1 attempts (HTTP 503); the next run resumes it`,
    );
    expect(slept).toEqual([]);
    expect(answered['/too-long.json']).toEqual([503]);
  });
});
