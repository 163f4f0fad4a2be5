import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Bytes of body received, and in how many reads (kept even when the body itself is discarded). */
  bytes: number;
  reads: number;
  text: string;
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The keep-alive agent of the bench; left out when `localAddress` is given (a connection of its own). */
  agent?: http.Agent;
  /** The client address: the controller limits enrollment per address, so simulated hosts spread over 127.0.0.0/8. */
  localAddress?: string;
  /** Counts the body without keeping it (image blobs). */
  discard?: boolean;
}

/** One request to a server on this machine, as the benches' simulated hosts and admins make them. */
export function request(port: number, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const { body, headers = {}, agent, localAddress, discard = false } = options;
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ...(localAddress === undefined ? { agent } : { localAddress, agent: false }),
        headers: {
          ...headers,
          ...(data === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        let reads = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          reads++;
          if (!discard) chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes,
            reads,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
