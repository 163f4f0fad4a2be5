/** Where a blob request's bytes came from: the cache, a new download from upstream, or a download already running. */
export type BlobSourceKind = 'cache' | 'upstream' | 'shared-download';

/** The gateway's routes as counted: one series per kind and status code. */
export type GatewayRequestKind = 'manifest' | 'blob' | 'token' | 'other';

export interface GatewayMetricsSnapshot {
  requests: Array<{ kind: GatewayRequestKind; code: number; count: number }>;
  blobOpens: Record<BlobSourceKind, number>;
  upstreamBytes: number;
  upstreamFailures: number;
}

/**
 * Counters an operator needs to see the gateway work: how hosts' requests end, how often the cache answers, and what
 * upstream costs (bytes downloaded and verified, downloads that failed). Process-lifetime counters, as Prometheus
 * expects; a restart starts them at zero.
 */
export class GatewayMetrics {
  private readonly requests = new Map<string, { kind: GatewayRequestKind; code: number; count: number }>();
  private readonly blobOpens: Record<BlobSourceKind, number> = { cache: 0, upstream: 0, 'shared-download': 0 };
  private upstreamBytes = 0;
  private upstreamFailures = 0;

  request(kind: GatewayRequestKind, code: number): void {
    const key = `${kind} ${code}`;
    const entry = this.requests.get(key);
    if (entry === undefined) this.requests.set(key, { kind, code, count: 1 });
    else entry.count += 1;
  }

  blobOpened(source: BlobSourceKind): void {
    this.blobOpens[source] += 1;
  }

  downloadVerified(bytes: number): void {
    this.upstreamBytes += bytes;
  }

  downloadFailed(): void {
    this.upstreamFailures += 1;
  }

  snapshot(): GatewayMetricsSnapshot {
    return {
      requests: [...this.requests.values()]
        .map((entry) => ({ ...entry }))
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.code - b.code),
      blobOpens: { ...this.blobOpens },
      upstreamBytes: this.upstreamBytes,
      upstreamFailures: this.upstreamFailures,
    };
  }
}

/** The kind of a gateway route, from the route's URL pattern. */
export function requestKind(routeUrl: string | undefined): GatewayRequestKind {
  if (routeUrl === undefined) return 'other';
  if (routeUrl.includes('/manifests/')) return 'manifest';
  if (routeUrl.includes('/blobs/')) return 'blob';
  if (routeUrl === '/v2/token') return 'token';
  return 'other';
}
