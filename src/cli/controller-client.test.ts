import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, isPatchlineError, PatchlineError, setLogger } from '../core/index.js';
import type { RetryOptions } from '../http/index.js';
import { ControllerClient } from './controller-client.js';

// A hostile or broken controller: what the CLI must survive without trusting it. (The well-behaved server is
// tested end to end in test/fleet-cli.test.ts.)
let server: Server;
let base: string;
/** Requests per path, for the paths whose retries are counted. */
const sent: Record<string, number> = {};

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.endsWith('/huge-declared')) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) });
      response.end();
    } else if (request.url?.endsWith('/huge-streamed')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 80 && response.write(chunk)) sent++;
        if (sent < 80) response.once('drain', pump);
        else response.end();
      };
      response.on('error', () => undefined);
      pump();
    } else if (request.url?.endsWith('/not-json')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('<html>proxy login</html>');
    } else if (request.url?.endsWith('/plain-error')) {
      response.writeHead(502).end('Bad Gateway from a proxy');
    } else if (request.url?.endsWith('/stalled')) {
      // Accepts the request and never answers.
    } else if (request.url?.endsWith('/restarting')) {
      sent.restarting = (sent.restarting ?? 0) + 1;
      if (sent.restarting === 1) response.writeHead(503, { 'retry-after': '0' }).end();
      else response.writeHead(200).end('{"ok":true}');
    } else if (request.url?.endsWith('/busy')) {
      sent.busy = (sent.busy ?? 0) + 1;
      response.writeHead(503).end();
    } else {
      response.writeHead(200).end(JSON.stringify({ authorization: request.headers.authorization }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<{ kind: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(isPatchlineError(error), String(error)).toBe(true);
    return error as { kind: string; message: string };
  }
  throw new Error('expected a PatchlineError');
}

describe('ControllerClient', () => {
  it('sends the admin token as a bearer token', async () => {
    const client = new ControllerClient(`${base}/`, 'sekrit');
    expect(await client.get('/echo')).toEqual({ authorization: 'Bearer sekrit' });
  });

  it('refuses answers over the size limit, declared or streamed', async () => {
    const client = new ControllerClient(base, 't');
    expect(await failure(client.get('/huge-declared'))).toMatchObject({ kind: 'limit' });
    const streamed = await failure(client.get('/huge-streamed'));
    expect([streamed.kind, streamed.message]).toEqual([
      'limit',
      `GET ${base}/huge-streamed: the controller's answer exceeds 67108864 bytes`,
    ]);
  });

  it('names the URL when the answer is not JSON or not a Status', async () => {
    const client = new ControllerClient(base, 't');
    expect((await failure(client.get('/not-json'))).message).toBe(
      `GET ${base}/not-json: the controller answered with invalid JSON`,
    );
    expect(await failure(client.get('/plain-error'))).toMatchObject({
      kind: 'registry',
      message: `GET ${base}/plain-error: 502 Bad Gateway: Bad Gateway from a proxy`,
    });
  });

  it('names the URL and the bound when the controller never answers', async () => {
    const client = new ControllerClient(base, 'token', { attempts: 1 });
    const failure = await client.request('GET', '/stalled', { timeoutMs: 300 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PatchlineError);
    expect((failure as Error).message).toBe(
      `GET ${base}/stalled: cannot reach the controller (no response within 300 ms)`,
    );
  });

  it('retries a GET the controller answers 503 to, logging it, and never a POST', async () => {
    const records: Record<string, unknown>[] = [];
    const previous = setLogger(
      createLogger({ level: 'info', stream: { write: (line: string) => void records.push(JSON.parse(line)) } }),
    );
    try {
      const slept: number[] = [];
      const retry: RetryOptions = {
        clock: { now: () => 0, sleep: async (ms) => void slept.push(ms), random: () => 0.5 },
      };
      const client = new ControllerClient(base, 'token', retry);
      expect(await client.get('/restarting')).toEqual({ ok: true });
      expect(slept).toEqual([0]);
      expect(records).toEqual([
        expect.objectContaining({ method: 'GET', url: `${base}/restarting`, status: 503, attempt: 1, waitMs: 0 }),
      ]);

      const post = await client.request('POST', '/busy', { body: {} }).catch((error: unknown) => error);
      expect((post as PatchlineError).kind).toBe('registry');
      expect(sent.busy).toBe(1);
    } finally {
      setLogger(previous);
    }
  });
});
