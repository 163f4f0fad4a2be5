import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Fleet } from '../../fleet/index.js';
import type { Stored } from '../../store/index.js';
import { guessKey } from '../auth.js';
import type { ServerContext } from '../context.js';
import type { RateLimit } from '../rate-limit.js';
import { authenticate, challengeFor, createTokenSigner, type TokenSigner } from './gateway-auth.js';
import { DEFAULT_GATEWAY_RATE, type GatewayOptions } from './options.js';
import { RegistryError } from './registry-errors.js';

/** The one repository of a fleet, as hosts pull it: CONTROLLER/fleets/NAME/os. */
export function fleetRepository(fleet: string): string {
  return `fleets/${fleet}/os`;
}

/** Who is calling: the host, and, when it came with a bearer token, the repository the token opens (or none). */
export interface Caller {
  host: string;
  token?: string | null;
}

/** Who may pull what, shared by every gateway route. */
export interface Access {
  signer: TokenSigner;
  /** Seconds since the epoch on the server's clock (token expiry). */
  seconds(): number;
  /** Counts a request against a rate limit (the host's gateway limit by default); a 429 when it is spent. */
  limit(key: string, rate?: RateLimit): void;
  /** The calling host, rate-limited; a 401 with the challenge when there is none. */
  caller(request: FastifyRequest, repository?: string): Promise<Caller>;
  /** The host's fleet, which must be `fleet`; 403 DENIED otherwise. */
  ownFleet(host: string, fleet: string): Promise<Stored<Fleet>>;
  /** A bearer token opens only the repository it was issued for. */
  checkScope(request: FastifyRequest, caller: Caller, repository: string): void;
}

export function createAccess(context: ServerContext, options: GatewayOptions): Access {
  const { store, clock } = context;
  // Keyed from the admin token when there is one, so every controller sharing it (and a restarted one) accepts the
  // tokens of the others: containers/image keeps a token until it expires and does not fetch another after a 401.
  const signer = createTokenSigner(
    context.adminToken === null
      ? undefined
      : createHmac('sha256', context.adminToken).update('patchline registry gateway tokens v1').digest(),
  );
  const challenge = { scheme: options.challenge ?? 'bearer', publicUrl: options.publicUrl } as const;
  const gatewayRate = options.rateLimit ?? DEFAULT_GATEWAY_RATE;
  const seconds = () => Math.floor(clock() / 1000);

  function limit(key: string, rate: RateLimit = gatewayRate): void {
    const retryAfter = context.limiter.take(key, rate);
    if (retryAfter !== undefined) {
      throw new RegistryError('TOOMANYREQUESTS', `too many requests; retry in ${retryAfter}s`, {
        'retry-after': String(retryAfter),
      });
    }
  }

  return {
    signer,
    seconds,
    limit,
    async caller(request, repository) {
      const caller = await authenticate(request, store, signer, seconds(), challenge, repository);
      if (caller instanceof RegistryError) {
        // Wrong guesses count against the address, so credentials cannot be tried at full speed.
        if (request.headers.authorization !== undefined) limit(guessKey(request.ip), context.limits.anonymous);
        throw caller;
      }
      limit(`gateway:${caller.host}`);
      return caller.via === 'token' ? { host: caller.host, token: caller.repository } : { host: caller.host };
    },
    async ownFleet(host, fleet) {
      const own = await store.fleetOfHost(host);
      if (own === undefined) {
        throw new RegistryError('DENIED', `host ${host} belongs to no fleet; it may pull nothing here`);
      }
      if (own.resource.metadata.name !== fleet) {
        throw new RegistryError(
          'DENIED',
          `host ${host} may pull only ${fleetRepository(own.resource.metadata.name)}, not ${fleetRepository(fleet)}`,
        );
      }
      return own;
    },
    checkScope(request, caller, repository) {
      if (caller.token !== undefined && caller.token !== repository) {
        throw new RegistryError('UNAUTHORIZED', `the token does not grant pull on ${repository}`, {
          'www-authenticate': challengeFor(
            request,
            { scheme: 'bearer', publicUrl: options.publicUrl },
            repository,
            'insufficient_scope',
          ),
        });
      }
    },
  };
}
