import { isPatchlineError } from '../../core/index.js';
import { defaultAuthFiles, parseRegistryReference, RegistryClient } from '../../oci/index.js';
import { RegistryError } from './registry-errors.js';

/** A repository on an upstream registry, and the client that talks to that registry. */
export interface UpstreamRepository {
  client: RegistryClient;
  /** The path inside the registry: `example/os`. */
  path: string;
  /** As the fleet names it: `quay.io/example/os`. */
  name: string;
}

export interface UpstreamOptions {
  authFile?: string | undefined;
  tlsVerify?: boolean | undefined;
}

/**
 * One client per upstream registry, sharing its tokens across every fleet that pulls from it. Retries and timeouts are
 * few and short: a host's pull is waiting on the answer, and a registry that is down or stalls is better reported
 * within seconds (503, the host keeps its image and tries again on its next timer) than after minutes of waiting.
 */
export function createUpstreams(options: UpstreamOptions): (repository: string) => UpstreamRepository {
  const clients = new Map<string, RegistryClient>();
  return (repository) => {
    const reference = parseRegistryReference(repository);
    let client = clients.get(reference.registry);
    if (client === undefined) {
      client = new RegistryClient(reference.registry, {
        ...(options.tlsVerify === false ? { tlsVerify: false } : {}),
        authFiles: options.authFile === undefined ? defaultAuthFiles() : [options.authFile],
        userAgent: 'patchline-gateway',
        retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000, maxTotalWaitMs: 2000, deadlineMs: 8000 },
        // An upstream that accepts and then stalls must not hold the host's pull: a few seconds for an answer, a
        // few more between body chunks (a stalled blob is resumed with a Range request, up to maxResumes times).
        timeouts: { responseMs: 4000, idleMs: 10_000 },
        maxResumes: 3,
      });
      clients.set(reference.registry, client);
    }
    return { client, path: reference.repository, name: repository };
  };
}

/**
 * What a host is told when the upstream registry failed us. Only "there is no such thing upstream" is the host's
 * 404; anything else (down, refusing our credentials, serving content that does not match) is the gateway's
 * trouble, a 503 the host's next pull may not meet.
 */
export function upstreamFailure(error: unknown, what: string, missing: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN'): Error {
  if (error instanceof RegistryError) return error;
  if (!isPatchlineError(error)) return error as Error;
  if (error.kind === 'not-found') return new RegistryError(missing, `${what} is not in the upstream registry`);
  return new RegistryError('UNAVAILABLE', `the upstream registry cannot serve ${what} right now: ${error.message}`, {
    'retry-after': '30',
  });
}
