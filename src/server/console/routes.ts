import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { resourceNameSchema } from '../../fleet/index.js';
import { StoreError } from '../../store/index.js';
import { guessKey, withinRate } from '../auth.js';
import type { ServerContext } from '../context.js';
import { actOnRollout, rolloutActionNames } from '../rollout-action.js';
import { parseBody, sendStatus } from '../status.js';
import { loadAssets, SECURITY_HEADERS } from './assets.js';
import { exposureView } from './exposure-view.js';
import { fleetOverview } from './fleet-overview.js';
import { hostView, releaseNames } from './host-row.js';
import { hostPage, hostQuerySchema } from './host-table.js';
import { releaseView } from './release-view.js';
import { rolloutView } from './rollout-view.js';
import {
  type ConsoleSession,
  cookieValue,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionCookie,
  sessionKeys,
} from './session.js';

export const CONSOLE_PREFIX = '/ui';
export const CSRF_HEADER = 'x-patchline-csrf';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session of a /ui/api call. */
    consoleSession?: ConsoleSession;
  }
}

export interface ConsoleOptions {
  /** The read-only token (serve --viewer-token-file); no viewer sign-in when null. */
  viewerToken: string | null;
  /** How often a live rollout view looks for changes. */
  streamPollMs?: number | undefined;
}

const signInSchema = z.strictObject({ token: z.string().min(1).max(4096) });
const actionSchema = z.strictObject({ reason: z.string().trim().min(1, 'give a reason').max(1000) });
const nameParams = z.object({ name: resourceNameSchema });
const actionParams = z.object({ name: resourceNameSchema, action: z.enum(rolloutActionNames) });

/**
 * The web console at /ui/: its files, and the JSON it reads under /ui/api, behind a session cookie. Reads need any
 * session; actions need an admin session, the session's CSRF token in a header and a same-origin Origin.
 */
export async function consoleRoutes(app: FastifyInstance, context: ServerContext, options: ConsoleOptions) {
  const assets = await loadAssets();
  const keys = sessionKeys(context.adminToken, options.viewerToken);
  const streams = new Set<() => void>();
  const pollMs = options.streamPollMs ?? 1000;

  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  });
  app.addHook('preClose', async () => {
    for (const stop of [...streams]) stop();
  });

  app.get(CONSOLE_PREFIX, async (_request, reply) => reply.redirect(`${CONSOLE_PREFIX}/`));
  app.get(`${CONSOLE_PREFIX}/`, async (request, reply) => sendAsset(request, reply, 'index.html'));
  app.get(`${CONSOLE_PREFIX}/:file`, async (request, reply) => {
    const file = (request.params as { file: string }).file;
    if (!assets.has(file) || file === 'index.html') return sendStatus(reply, 'NotFound', `no console file ${file}`);
    return sendAsset(request, reply, file);
  });

  function sendAsset(request: FastifyRequest, reply: FastifyReply, file: string) {
    const asset = assets.get(file)!;
    reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  }

  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const isSignIn = request.method === 'POST' && request.url === `${CONSOLE_PREFIX}/api/session`;
      if (request.method !== 'GET' && !sameOrigin(request)) {
        return sendStatus(reply, 'Forbidden', 'the request does not come from the console (Origin differs)');
      }
      if (isSignIn) return;
      const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
      const session = cookie === undefined ? undefined : keys.verify(cookie, context.clock());
      if (session === undefined) return sendStatus(reply, 'Unauthorized', 'sign in to the console');
      if (request.method !== 'GET' && request.headers[CSRF_HEADER] !== session.csrf) {
        return sendStatus(reply, 'Forbidden', `the request lacks the session's ${CSRF_HEADER} header`);
      }
      if (!withinRate(context, reply, `console:${request.ip}`, context.limits.admin)) return reply;
      request.consoleSession = session;
    });

    api.post(`${CONSOLE_PREFIX}/api/session`, async (request, reply) => {
      const { token } = parseBody(signInSchema, request.body, 'sign-in request');
      const role = keys.roleOfToken(token);
      if (role === undefined) {
        if (!withinRate(context, reply, guessKey(request.ip), context.limits.anonymous)) return reply;
        return sendStatus(reply, 'Unauthorized', 'the token is neither the admin token nor the viewer token');
      }
      const { cookie, session } = keys.open(role, context.clock());
      reply.header('set-cookie', sessionCookie(cookie, SESSION_TTL_MS / 1000, request.protocol === 'https'));
      request.log.info({ role }, 'console sign-in');
      return sessionBody(session);
    });
    api.get(`${CONSOLE_PREFIX}/api/session`, async (request) => sessionBody(request.consoleSession!));
    api.delete(`${CONSOLE_PREFIX}/api/session`, async (request, reply) => {
      reply.header('set-cookie', sessionCookie('', 0, request.protocol === 'https'));
      return { signedOut: true };
    });

    api.get(`${CONSOLE_PREFIX}/api/fleets`, async () => ({
      fleets: await fleetOverview(context.store, context.clock()),
    }));

    // Any session may read it, viewer or admin, like every other view.
    api.get(`${CONSOLE_PREFIX}/api/exposure`, async () => exposureView(context.store, context.clock()));

    api.get(`${CONSOLE_PREFIX}/api/fleets/:name/hosts`, async (request) => {
      const { name } = parseBody(nameParams, request.params, 'the URL');
      const query = parseBody(hostQuerySchema, request.query, 'the query');
      const fleet = await context.store.getFleet(name);
      if (fleet === undefined) throw new StoreError('NotFound', `fleet ${name} not found`);
      const [releases, rollouts, rows] = await Promise.all([
        context.store.listReleases(name),
        context.store.listRolloutDocuments(name),
        context.store.consoleHosts(name),
      ]);
      const latest = rollouts
        .map((each) => each.resource)
        .sort((a, b) => (b.metadata.createdAt ?? '').localeCompare(a.metadata.createdAt ?? ''))[0];
      const states =
        latest === undefined ? new Map<string, string>() : await context.store.rolloutHostStates(latest.metadata.name);
      const names = releaseNames(releases.map((each) => each.resource));
      const now = context.clock();
      const hosts = rows.map((row) => hostView(row, fleet.resource, names, states, now));
      return {
        fleet: name,
        rollout: latest === undefined ? undefined : { name: latest.metadata.name, phase: latest.status?.phase },
        releases: releases.map((each) => each.resource.metadata.name),
        ...hostPage(hosts, query),
      };
    });

    api.get(`${CONSOLE_PREFIX}/api/releases/:name`, async (request) => {
      const { name } = parseBody(nameParams, request.params, 'the URL');
      return releaseView(context.store, name);
    });

    // The evidence document byte for byte, to download and hash: it must give the release's spec.gate.evidence.
    api.get(`${CONSOLE_PREFIX}/api/releases/:name/evidence`, async (request, reply) => {
      const { name } = parseBody(nameParams, request.params, 'the URL');
      const attachments = await context.store.releaseAttachments(name);
      if (attachments === undefined) throw new StoreError('NotFound', `release ${name} not found`);
      if (attachments.evidence === undefined) {
        throw new StoreError('NotFound', `no evidence document was sent with release ${name}`);
      }
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="${name}.evidence.json"`)
        .send(Buffer.from(attachments.evidence, 'utf8'));
    });

    api.get(`${CONSOLE_PREFIX}/api/rollouts/:name`, async (request) => {
      const { name } = parseBody(nameParams, request.params, 'the URL');
      return rolloutView(context.store, name, context.clock());
    });

    // Server-sent events: a view of the rollout whenever it changes, so the page moves without being reloaded.
    api.get(`${CONSOLE_PREFIX}/api/rollouts/:name/stream`, async (request, reply) => {
      const { name } = parseBody(nameParams, request.params, 'the URL');
      if ((await context.store.rolloutMark(name)) === undefined) {
        throw new StoreError('NotFound', `rollout ${name} not found`);
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      let sent: string | undefined;
      let beats = 0;
      let busy = false;
      const push = async (): Promise<void> => {
        if (busy) return;
        busy = true;
        try {
          const mark = await context.store.rolloutMark(name);
          // The waiting reasons move with the clock (a window opens): refresh them every 10 polls regardless.
          if (mark !== undefined && (mark !== sent || ++beats % 10 === 0)) {
            const view = await rolloutView(context.store, name, context.clock());
            sent = mark;
            raw.write(`event: view\ndata: ${JSON.stringify(view)}\n\n`);
          } else {
            raw.write(': keep-alive\n\n');
          }
        } catch (error) {
          request.log.warn({ err: error, rollout: name }, 'console stream failed');
          stop();
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void push(), pollMs);
      const stop = (): void => {
        clearInterval(timer);
        streams.delete(stop);
        raw.end();
      };
      streams.add(stop);
      request.raw.on('close', stop);
      await push();
    });

    api.post(`${CONSOLE_PREFIX}/api/rollouts/:name/:action`, async (request, reply) => {
      const { name, action } = parseBody(actionParams, request.params, 'the URL');
      const session = request.consoleSession!;
      if (session.role !== 'admin') {
        return sendStatus(reply, 'Forbidden', 'a viewer session can look but not act; sign in with the admin token');
      }
      const { reason } = parseBody(actionSchema, request.body ?? {}, `${action} request`);
      await actOnRollout(context, name, action, { by: 'console (admin token)', reason });
      context.wake('all');
      return rolloutView(context.store, name, context.clock());
    });
  });
}

function sessionBody(session: ConsoleSession) {
  return { role: session.role, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() };
}

/** Origin must name this server: a page elsewhere cannot act with the console's cookie (SameSite=Strict aside). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  return origin !== undefined && origin === `${request.protocol}://${request.host}`;
}
