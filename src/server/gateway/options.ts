import type { RateLimit } from '../rate-limit.js';

/** How the registry gateway inside `patchline serve` reaches upstream registries and keeps what it fetched. */
export interface GatewayOptions {
  /** Verified blobs and manifests are kept here (blobs/ and manifests/ by digest). */
  cacheDir: string;
  /** containers auth.json with credentials for the upstream registries; default: the usual auth files. */
  upstreamAuthFile?: string | undefined;
  /** false: speak plain HTTP to upstream registries that are not on loopback (docs/decisions/0007). */
  upstreamTlsVerify?: boolean | undefined;
  /**
   * The challenge `GET /v2/` answers: containers/image (bootc, skopeo, podman) follows the first one it is given.
   * Both Basic and bearer tokens are accepted either way.
   */
  challenge?: 'bearer' | 'basic' | undefined;
  /**
   * The controller's URL as hosts reach it (scheme, host, port; no path), for the bearer challenge's token realm.
   * Without it the realm comes from a request's Host header when that is a plain host[:port], else the challenge
   * is Basic.
   */
  publicUrl?: string | undefined;
  /** How long a bearer token from /v2/token is valid. */
  tokenTtlSeconds?: number | undefined;
  /** Requests a host may make to the gateway; a pull is one request per layer, so well above the host API's. */
  rateLimit?: RateLimit | undefined;
}

// A rechunked bootc image has up to about 64 layers; a pull is a token, a manifest, a config and those layers.
export const DEFAULT_GATEWAY_RATE: RateLimit = { perMinute: 1200, burst: 300 };
export const DEFAULT_TOKEN_TTL_SECONDS = 300;
