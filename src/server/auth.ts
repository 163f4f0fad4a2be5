import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../store/index.js';
import type { ServerContext } from './context.js';
import type { RateLimit } from './rate-limit.js';
import { sendStatus } from './status.js';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Applies the caller's rate limit; false (and a 429 sent) when it is exhausted. */
export function withinRate(context: ServerContext, reply: FastifyReply, key: string, limit: RateLimit): boolean {
  const retryAfter = context.limiter.take(key, limit);
  if (retryAfter === undefined) return true;
  reply.header('retry-after', String(retryAfter));
  sendStatus(reply, 'TooManyRequests', `too many requests; retry in ${retryAfter}s`);
  return false;
}

/**
 * The bucket wrong credentials (admin token, host credential, gateway login) count against: per address, and apart
 * from the address's anonymous calls, so someone guessing from a shared address (a NAT, a proxy) does not lock that
 * address's hosts out of enrollment and FleetLock.
 */
export function guessKey(ip: string): string {
  return `guess:${ip}`;
}

/** onRequest hook for the admin API: the admin bearer token, then its rate limit. */
export function adminAuth(context: ServerContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (context.adminToken !== null) {
      const token = bearerToken(request);
      if (token === undefined) {
        reply.header('www-authenticate', 'Bearer');
        sendStatus(reply, 'Unauthorized', 'the admin API needs Authorization: Bearer <admin token>');
        return reply;
      }
      if (!sameSecret(token, context.adminToken)) {
        if (!withinRate(context, reply, guessKey(request.ip), context.limits.anonymous)) return reply;
        sendStatus(reply, 'Unauthorized', 'the admin token is not valid');
        return reply;
      }
    }
    if (!withinRate(context, reply, 'admin', context.limits.admin)) return reply;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated host, on host API routes that need a credential. */
    hostName?: string;
  }
}

/** onRequest hook for host calls with a credential: which host is calling, then that host's rate limit. */
export function hostAuth(context: ServerContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request);
    if (token === undefined) {
      reply.header('www-authenticate', 'Bearer');
      sendStatus(reply, 'Unauthorized', 'host calls need Authorization: Bearer <host credential>');
      return reply;
    }
    const host = await context.store.hostOfCredential(token);
    if (host === undefined) {
      // Wrong guesses count against the caller's address, so credentials cannot be tried at full speed.
      if (!withinRate(context, reply, guessKey(request.ip), context.limits.anonymous)) return reply;
      sendStatus(reply, 'Unauthorized', 'the host credential is not valid');
      return reply;
    }
    if (!withinRate(context, reply, `host:${host}`, context.limits.host)) return reply;
    request.hostName = host;
  };
}

/** onRequest hook for calls without credentials: a rate limit per client address. */
export function anonymousLimit(context: ServerContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!withinRate(context, reply, `ip:${request.ip}`, context.limits.anonymous)) return reply;
  };
}
