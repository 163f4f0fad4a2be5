import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP load balancer in front of several controllers, as a deployment puts one: each new connection goes to the
 * next backend in turn, skipping one that refuses it. A backend that dies takes its open connections with it, and
 * clients reconnect to the others.
 */
export interface Balancer {
  url: string;
  close(): Promise<void>;
}

export async function startBalancer(backends: readonly string[]): Promise<Balancer> {
  const targets = backends.map((each) => new URL(each));
  const open = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const attempt = (left: number): void => {
      if (left === 0) {
        client.destroy();
        return;
      }
      const target = targets[next++ % targets.length]!;
      const upstream = connect(Number(target.port), target.hostname);
      upstream.once('connect', () => {
        open.add(upstream);
        upstream.on('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.once('error', () => {
        if (upstream.readyState === 'opening' || !open.has(upstream)) attempt(left - 1);
        else upstream.destroy();
      });
    };
    attempt(targets.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
