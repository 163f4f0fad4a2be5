import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatSchemaError } from '../../core/index.js';
import { guessKey } from '../auth.js';
import { fleetRepository } from './access.js';
import { basicCredentials, hostOfBasic } from './gateway-auth.js';
import type { GatewayParts } from './parts.js';
import { RegistryError } from './registry-errors.js';

const tokenQuerySchema = z.object({
  service: z.string().max(200).optional(),
  account: z.string().max(253).optional(),
  scope: z.union([z.string().max(500), z.array(z.string().max(500)).max(10)]).optional(),
});

/** Whether a token scope asks for pull on the host's own repository. */
function grantsPull(scope: string, own: string | undefined): boolean {
  if (own === undefined) return false;
  return scope.split(' ').some((each) => {
    const [type, name, actions] = each.split(':');
    return type === 'repository' && name === own && (actions ?? '').split(',').includes('pull');
  });
}

/**
 * The Docker token endpoint: HTTP Basic host credentials in, a short-lived bearer token for pull on the host's own
 * fleet repository out. Like distribution's token servers, a scope the caller may not have is left out of the token
 * rather than refused: the registry request that needs it is then denied with a message that says why.
 */
export async function tokenRoute(app: FastifyInstance, parts: GatewayParts): Promise<void> {
  const { context, access } = parts;
  app.get('/v2/token', async (request, reply) => {
    const challenge = { 'www-authenticate': 'Basic realm="patchline"' };
    const basic = basicCredentials(request);
    if (basic === undefined) {
      throw new RegistryError(
        'UNAUTHORIZED',
        'the token endpoint needs HTTP Basic: host name and host credential',
        challenge,
      );
    }
    const host = await hostOfBasic(context.store, basic);
    if (host === undefined) {
      access.limit(guessKey(request.ip), context.limits.anonymous);
      throw new RegistryError('UNAUTHORIZED', 'the host name and credential do not match an enrolled host', challenge);
    }
    access.limit(`gateway:${host}`);
    const query = tokenQuerySchema.safeParse(request.query);
    if (!query.success) {
      throw new RegistryError(
        'UNSUPPORTED',
        `the token request is not valid: ${formatSchemaError(query.error, { whole: 'query' })}`,
      );
    }
    const fleet = await context.store.fleetOfHost(host);
    const own = fleet === undefined ? undefined : fleetRepository(fleet.resource.metadata.name);
    const asked = [query.data.scope ?? []].flat();
    const granted = asked.some((scope) => grantsPull(scope, own)) ? (own ?? null) : null;
    const ttl = parts.tokenTtlSeconds;
    const cred = await context.store.credentialMarkOf(host);
    if (cred === undefined) throw new RegistryError('UNAUTHORIZED', `host ${host} has no credential`, challenge);
    const token = access.signer.issue({ host, cred, repository: granted, exp: access.seconds() + ttl });
    return reply.header('cache-control', 'no-store').send({
      token,
      access_token: token,
      expires_in: ttl,
      issued_at: new Date(context.clock()).toISOString(),
    });
  });
}
