import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP file server standing in for the publishers (the internet is the one thing tests may not reach). It
 * serves what a test puts at each path with the HTTP behaviour real publishers show: strong ETags and Last-Modified,
 * 304 on If-None-Match / If-Modified-Since, byte ranges with If-Range, and Google Cloud Storage's `x-goog-hash`.
 * Faults are injected per path: a connection dropped after N bytes, a server error.
 */
export interface ServedFile {
  body: Buffer;
  /** Send `x-goog-hash: crc32c=…,md5=<base64>` as Cloud Storage does; a string overrides the md5 sent. */
  googHash?: boolean | string;
  lastModified?: Date;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  headers: IncomingMessage['headers'];
}

export interface FeedServer {
  url: string;
  files: Map<string, ServedFile>;
  log: LoggedRequest[];
  /** The next `times` GETs of `path` send `bytes` bytes of the body and then break the connection. */
  dropAfter(path: string, bytes: number, times?: number): void;
  /** The next `times` GETs of `path` send `bytes` bytes of the body and then nothing more, keeping the connection. */
  stallAfter(path: string, bytes: number, times?: number): void;
  /** The next `times` requests of `path` get this status. */
  failWith(path: string, status: number, times?: number): void;
  put(path: string, body: Buffer | string, options?: Omit<ServedFile, 'body'>): void;
  requests(path: string): LoggedRequest[];
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const files = new Map<string, ServedFile>();
  const log: LoggedRequest[] = [];
  const drops = new Map<string, { bytes: number; times: number }>();
  const stalls = new Map<string, { bytes: number; times: number }>();
  const failures = new Map<string, { status: number; times: number }>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const requested = new URL(request.url ?? '/', 'http://x');
    const path = decodeURIComponent(requested.pathname);
    const answer = (status: number) => {
      log.push({ method: request.method ?? 'GET', path, status, headers: request.headers });
      response.statusCode = status;
    };
    const failure = failures.get(path);
    if (failure !== undefined && failure.times > 0) {
      failure.times--;
      answer(failure.status);
      response.end();
      return;
    }
    // A file put under a path with its query (an API page such as Bodhi's `/updates/?page=2`) answers that query only.
    const file = files.get(`${path}${requested.search}`) ?? files.get(path);
    if (file === undefined) {
      answer(404);
      response.end('not found');
      return;
    }
    const etag = `"${createHash('sha256').update(file.body).digest('hex').slice(0, 32)}"`;
    const lastModified = (file.lastModified ?? new Date('2026-11-01T00:00:00Z')).toUTCString();
    response.setHeader('etag', etag);
    response.setHeader('last-modified', lastModified);
    response.setHeader('accept-ranges', 'bytes');
    if (file.googHash !== undefined && file.googHash !== false) {
      const md5 =
        typeof file.googHash === 'string' ? file.googHash : createHash('md5').update(file.body).digest('base64');
      response.setHeader('x-goog-hash', `crc32c=AAAAAA==,md5=${md5}`);
    }
    const ifNoneMatch = request.headers['if-none-match'];
    const ifModifiedSince = request.headers['if-modified-since'];
    if (
      (ifNoneMatch !== undefined && ifNoneMatch === etag) ||
      (ifNoneMatch === undefined && ifModifiedSince !== undefined && ifModifiedSince === lastModified)
    ) {
      answer(304);
      response.end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const ifRange = request.headers['if-range'];
    if (range !== null && (ifRange === undefined || ifRange === etag || ifRange === lastModified)) {
      start = Number(range[1]);
      if (start >= file.body.length) {
        answer(416);
        response.setHeader('content-range', `bytes */${file.body.length}`);
        response.end();
        return;
      }
      answer(206);
      response.setHeader('content-range', `bytes ${start}-${file.body.length - 1}/${file.body.length}`);
    } else {
      answer(200);
    }
    const body = file.body.subarray(start);
    response.setHeader('content-length', String(body.length));
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const drop = drops.get(path);
    if (drop !== undefined && drop.times > 0) {
      drop.times--;
      response.flushHeaders();
      // Close the connection (FIN) after the bytes, short of content-length. A reset (destroy) could make the client's
      // kernel discard bytes it had received but not yet read, which on a loaded machine was all of them.
      response.write(body.subarray(0, drop.bytes), () => response.socket?.end());
      return;
    }
    const stall = stalls.get(path);
    if (stall !== undefined && stall.times > 0) {
      stall.times--;
      response.flushHeaders();
      response.write(body.subarray(0, stall.bytes));
      return;
    }
    response.end(body);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    log,
    dropAfter(path, bytes, times = 1) {
      drops.set(path, { bytes, times });
    },
    stallAfter(path, bytes, times = 1) {
      stalls.set(path, { bytes, times });
    },
    failWith(path, status, times = 1) {
      failures.set(path, { status, times });
    },
    put(path, body, options = {}) {
      files.set(path, { ...options, body: typeof body === 'string' ? Buffer.from(body) : body });
    },
    requests(path) {
      return log.filter((entry) => entry.path === path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
