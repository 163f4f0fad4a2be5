import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a real registry that misbehaves on demand: it answers chosen requests itself (429 with
 * Retry-After, 503, 403, ...) or cuts a response body off after some bytes by destroying the socket, and records
 * every request, so tests can check both what the client saw and what it sent. Everything else passes through
 * untouched, Host header included, so the registry's Location headers point back at the proxy.
 */
export type Fault =
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'cut'; afterBytes: number }
  /**
   * Accept the request and then go silent, as an overloaded or wedged registry does: before any header, or (with
   * afterBytes) after the headers and that many bytes of the body. The connection stays open until the client
   * gives up or the proxy stops.
   */
  | { kind: 'stall'; afterBytes?: number }
  /** Pass the body through with the byte at `atByte` flipped: same length, wrong content, as bad memory or a bad disk. */
  | { kind: 'corrupt'; atByte: number }
  /**
   * Send the headers and `afterBytes` bytes of the body, then nothing more until `release` resolves, then the rest:
   * a download the test holds half-way for as long as it needs.
   */
  | { kind: 'hold'; afterBytes: number; release: Promise<void> };

export interface FaultRule {
  method?: string;
  /** Matched against the request path (without query). */
  path: RegExp;
  /** How many matching requests get the fault; later ones pass through. */
  times: number;
  fault: Fault;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range?: string;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  /** Body bytes sent to the client so far (for 'hold': whether the hold point is reached). */
  sent: number;
}

export interface FaultProxy {
  url: string;
  host: string;
  requests: RecordedRequest[];
  inject(rule: FaultRule): void;
  /** Forgets rules and recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: FaultRule[] = [];
  const requests: RecordedRequest[] = [];

  const takeRule = (req: IncomingMessage, path: string): FaultRule | undefined => {
    const rule = rules.find((r) => r.times > 0 && (r.method ?? req.method) === req.method && r.path.test(path));
    if (rule) rule.times--;
    return rule;
  };

  /** Passes the body on chunk by chunk, flipping one byte or pausing at a point; counts what was sent. */
  const alter = (upstreamResponse: IncomingMessage, res: ServerResponse, fault: Fault, recorded: RecordedRequest) => {
    let held = false;
    upstreamResponse.on('data', (chunk: Buffer) => {
      const start = recorded.sent;
      let out = chunk;
      if (fault.kind === 'corrupt' && fault.atByte >= start && fault.atByte < start + chunk.length) {
        out = Buffer.from(chunk);
        out[fault.atByte - start] = (out[fault.atByte - start] ?? 0) ^ 0xff;
      }
      if (fault.kind === 'hold' && !held && start + chunk.length > fault.afterBytes) {
        held = true;
        const before = Math.max(0, fault.afterBytes - start);
        res.write(out.subarray(0, before));
        recorded.sent += before;
        upstreamResponse.pause();
        void fault.release.then(() => {
          res.write(out.subarray(before));
          recorded.sent += out.length - before;
          upstreamResponse.resume();
        });
        return;
      }
      res.write(out);
      recorded.sent += out.length;
    });
    upstreamResponse.on('end', () => res.end());
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    recorded: RecordedRequest,
    cutAfter: number | undefined,
    stall = false,
    altered?: Fault,
  ) => {
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        if (altered !== undefined) {
          alter(upstreamResponse, res, altered, recorded);
          return;
        }
        if (cutAfter === undefined) {
          upstreamResponse.pipe(res);
          return;
        }
        let sent = 0;
        upstreamResponse.on('data', (chunk: Buffer) => {
          if (sent >= cutAfter) return;
          const part = chunk.subarray(0, cutAfter - sent);
          sent += part.length;
          if (sent < cutAfter) {
            res.write(part);
            return;
          }
          upstreamResponse.destroy();
          if (stall) {
            // Hold the connection open with nothing more to say.
            res.write(part);
            return;
          }
          // Once the bytes are handed to the kernel, drop the connection mid-body, as a network fault would.
          res.write(part, () => res.socket?.destroy());
        });
        upstreamResponse.on('end', () => {
          if (!stall) res.end();
        });
      },
    );
    upstreamRequest.on('error', () => res.socket?.destroy());
    req.pipe(upstreamRequest);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const rule = takeRule(req, path);
    const recorded: RecordedRequest = { method: req.method ?? '', path, sent: 0 };
    if (typeof req.headers.range === 'string') recorded.range = req.headers.range;
    if (rule) recorded.fault = rule.fault.kind;
    requests.push(recorded);
    if (rule?.fault.kind === 'respond') {
      const { status, headers, body } = rule.fault;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body ?? '');
      return;
    }
    if (rule?.fault.kind === 'stall') {
      if (rule.fault.afterBytes === undefined) {
        req.resume();
        return;
      }
      forward(req, res, recorded, rule.fault.afterBytes, true);
      return;
    }
    if (rule?.fault.kind === 'corrupt' || rule?.fault.kind === 'hold') {
      forward(req, res, recorded, undefined, false, rule.fault);
      return;
    }
    forward(req, res, recorded, rule?.fault.kind === 'cut' ? rule.fault.afterBytes : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    inject(rule) {
      rules.push({ ...rule });
    },
    reset() {
      rules.length = 0;
      requests.length = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
