import type { ServerContext } from '../context.js';
import type { Access } from './access.js';
import type { BlobProxy } from './blob-proxy.js';
import type { ManifestStore } from './manifest-store.js';
import type { ReleaseContents } from './release-content.js';
import type { UpstreamRepository } from './upstream.js';

/** What the gateway's routes share: made once per server by gatewayRoutes. */
export interface GatewayParts {
  context: ServerContext;
  access: Access;
  upstreamOf: (repository: string) => UpstreamRepository;
  manifests: ManifestStore;
  contents: ReleaseContents;
  blobs: BlobProxy;
  tokenTtlSeconds: number;
}
