import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { DURATION_HINT, type Logger, type LogLevel, PatchlineError, setLogger } from '../core/index.js';
import { tryParseDuration } from '../fleet/index.js';
import { defaultCacheDir } from '../oci/index.js';
import { createServer, DEFAULT_LIMITS, type GatewayOptions, type ServerLimits } from '../server/index.js';
import { DEFAULT_RETENTION, type RetentionPolicy, RUNS_KEPT_PER_PIPELINE, redact, Store } from '../store/index.js';
import { readTokenFile } from './controller-client.js';
import { type LogFormat, logDestination } from './log-format.js';
import { parseSize } from './options.js';

interface ServeFlags {
  listen: string;
  database: string;
  tlsCert?: string;
  tlsKey?: string;
  tick: string;
  deciderLease: string;
  controllerId?: string;
  retainFinishedRollouts: number;
  retainEventsFor: string;
  retainRunsFor: string;
  pruneEvery: string;
  insecureNoAdminToken?: boolean;
  adminTokenFile?: string;
  viewerTokenFile?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  maxBody: number;
  hostRateLimit?: number;
  adminRateLimit?: number;
  anonymousRateLimit?: number;
  gatewayCache?: string;
  upstreamAuth?: string;
  upstreamTlsVerify: string;
  gatewayChallenge: 'bearer' | 'basic';
  publicUrl?: string;
}

/**
 * `patchline serve`: the fleet controller. The admin token comes from --admin-token-file or PATCHLINE_ADMIN_TOKEN
 * (never the token itself as a flag, which would show in `ps`); without one the server refuses to start unless told
 * --insecure-no-admin-token.
 */
export function serveCommand(): Command {
  return (
    new Command('serve')
      .description('run the fleet controller: admin API, host API, registry gateway, FleetLock and metrics')
      .addOption(
        new Option('--listen <host:port>', 'address to listen on').env('PATCHLINE_LISTEN').default('127.0.0.1:8080'),
      )
      .addOption(
        new Option('--database <path|postgres://…>', 'SQLite file (created if absent) or PostgreSQL URL').default(
          'patchline.db',
        ),
      )
      .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)'))
      .addOption(new Option('--tls-key <file>', 'PEM private key for --tls-cert'))
      .addOption(new Option('--tick <duration>', 'how often every active rollout is decided').default('5s'))
      .addOption(
        new Option(
          '--decider-lease <duration>',
          'with several controllers on one database: how long the deciding one may go silent before another takes over',
        ).default('15s'),
      )
      .addOption(
        new Option(
          '--controller-id <name>',
          'this controller among those sharing the database (default: host name/listen address)',
        ),
      )
      .addOption(
        new Option(
          '--retain-finished-rollouts <count>',
          "finished rollouts kept per fleet, with their host records and events (a fleet's latest, unfinished ones and those of its current or rollback release are always kept)",
        )
          .argParser(rolloutCount)
          .default(DEFAULT_RETENTION.finishedRolloutsPerFleet),
      )
      .addOption(new Option('--retain-events-for <duration>', 'how long rollout events are kept').default('90d'))
      .addOption(
        new Option(
          '--retain-runs-for <duration>',
          `how long finished pipeline runs are kept (the newest ${RUNS_KEPT_PER_PIPELINE} of each pipeline always are)`,
        ).default('90d'),
      )
      .addOption(
        new Option('--prune-every <duration>', 'how often what the retention flags no longer keep is deleted').default(
          '1h',
        ),
      )
      .addOption(
        new Option('--max-body <bytes>', 'largest request body accepted (413 beyond)')
          .argParser(parseSize)
          .default(1024 * 1024, '1M'),
      )
      .addOption(
        new Option(
          '--host-rate-limit <n>',
          `requests a minute per host credential (default ${DEFAULT_LIMITS.host.perMinute})`,
        ).argParser(perMinute),
      )
      .addOption(
        new Option(
          '--admin-rate-limit <n>',
          `admin requests a minute (default ${DEFAULT_LIMITS.admin.perMinute})`,
        ).argParser(perMinute),
      )
      .addOption(
        new Option(
          '--anonymous-rate-limit <n>',
          `requests a minute per address without credentials: enrollment, FleetLock, metrics (default ${DEFAULT_LIMITS.anonymous.perMinute})`,
        ).argParser(perMinute),
      )
      .addOption(
        new Option(
          '--gateway-cache <dir>',
          'where the registry gateway keeps verified blobs and manifests (default: $XDG_CACHE_HOME/patchline/gateway)',
        ),
      )
      .addOption(
        new Option(
          '--upstream-auth <file>',
          'credentials for the upstream registries the fleets track (containers auth.json); default: the usual auth files',
        ),
      )
      .addOption(
        new Option(
          '--upstream-tls-verify <bool>',
          'require HTTPS to upstream registries (false: plain HTTP; loopback registries always are)',
        ).default('true'),
      )
      .addOption(
        new Option('--gateway-challenge <scheme>', 'the auth challenge GET /v2/ answers with (both are accepted)')
          .choices(['bearer', 'basic'])
          .default('bearer'),
      )
      .addOption(
        new Option(
          '--admin-token-file <file>',
          `file holding the admin token, at least ${MIN_ADMIN_TOKEN_LENGTH} characters (default: $PATCHLINE_ADMIN_TOKEN)`,
        ),
      )
      .addOption(
        new Option(
          '--viewer-token-file <file>',
          `file holding a read-only token for the web console at /ui/ (at least ${MIN_ADMIN_TOKEN_LENGTH} characters): it sees everything and can act on nothing`,
        ),
      )
      .addOption(
        new Option(
          '--public-url <url>',
          "the controller's URL as hosts reach it (e.g. https://patchline.example:8443), for the gateway's token realm",
        ),
      )
      .addOption(new Option('--insecure-no-admin-token', 'run the admin API without authentication (tests only)'))
      // --log-level and --log-format are the program's global options (src/cli/main.ts).
      .action(async (_flags: ServeFlags, command: Command) => {
        await serve(command.optsWithGlobals<ServeFlags>());
      })
  );
}

async function serve(flags: ServeFlags): Promise<void> {
  const { host, port } = parseListen(flags.listen);
  const tickMs = tryParseDuration(flags.tick);
  if (tickMs === undefined || tickMs <= 0) {
    throw new PatchlineError('usage', `--tick=${flags.tick}`, 'expected a duration such as 5s or 1m');
  }
  const leaseMs = tryParseDuration(flags.deciderLease);
  if (leaseMs === undefined || leaseMs < 1000) {
    throw new PatchlineError('usage', `--decider-lease=${flags.deciderLease}`, 'expected a duration of 1s or more');
  }
  const retention = retentionFrom(flags);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new PatchlineError(
      'usage',
      flags.tlsCert ?? flags.tlsKey ?? '--tls-cert',
      '--tls-cert and --tls-key go together',
    );
  }
  const token = await adminTokenOf(flags);
  const viewerToken = await viewerTokenOf(flags, token);
  const gateway = await gatewayFrom(flags);
  const store = await Store.open(flags.database);
  const { app } = await createServer({
    store,
    adminToken: token,
    viewerToken,
    tls:
      flags.tlsCert === undefined || flags.tlsKey === undefined
        ? undefined
        : { cert: flags.tlsCert, key: flags.tlsKey },
    tickMs,
    deciderThread: { location: flags.database },
    // At least three ticks, so a lone controller never loses its lease between its own ticks.
    leaseMs: Math.max(leaseMs, 3 * tickMs),
    // Stable across restarts: a controller restarted in place takes its lease back at once, not after it expires.
    identity: flags.controllerId ?? `${hostname()}/${flags.listen}`,
    retention,
    limits: limitsFrom(flags),
    gateway,
    logger: { level: flags.logLevel ?? 'info', stream: logDestination(flags.logFormat) },
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // The library's own records (an upstream registry's retries) go with the controller's, in its format and level.
  setLogger(app.log as unknown as Logger);
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      app.log.info({ signal }, 'shutting down');
      app
        .close()
        .then(() => store.close())
        .then(resolve, (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    await app.listen({ host, port });
  } catch (error) {
    // Closing the server stops the decider thread, which would otherwise keep the process alive.
    await app.close().catch(() => undefined);
    await store.close();
    throw new PatchlineError(
      'usage',
      `--listen=${flags.listen}`,
      `cannot listen (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  app.log.info({ database: redact(flags.database), tickMs }, 'controller running');
  await stopped;
}

/**
 * The admin token opens the whole API and keys the gateway's token signatures, so it must not be guessable: at least
 * 32 characters (`openssl rand -hex 32` makes 64).
 */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

async function adminTokenOf(flags: ServeFlags): Promise<string | null> {
  const source = flags.adminTokenFile ?? 'PATCHLINE_ADMIN_TOKEN';
  const token =
    flags.adminTokenFile === undefined
      ? (process.env.PATCHLINE_ADMIN_TOKEN ?? '')
      : await readTokenFile(flags.adminTokenFile);
  if (token === '') {
    if (flags.insecureNoAdminToken === true) return null;
    throw new PatchlineError(
      'usage',
      source,
      'is not set; set it to a long random secret, e.g. openssl rand -hex 32 (or pass --insecure-no-admin-token for a throwaway controller)',
    );
  }
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new PatchlineError(
      'usage',
      source,
      `holds a ${token.length}-character admin token; it must have at least ${MIN_ADMIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`,
    );
  }
  return token;
}

/** The console's read-only token: as long as the admin token must be, and not the admin token itself. */
async function viewerTokenOf(flags: ServeFlags, adminToken: string | null): Promise<string | null> {
  if (flags.viewerTokenFile === undefined) return null;
  const token = await readTokenFile(flags.viewerTokenFile);
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new PatchlineError(
      'usage',
      flags.viewerTokenFile,
      `holds a ${token.length}-character viewer token; it must have at least ${MIN_ADMIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`,
    );
  }
  if (adminToken === null || token === adminToken) {
    throw new PatchlineError(
      'usage',
      flags.viewerTokenFile,
      adminToken === null
        ? 'a viewer token needs an admin token: without one, anyone may act'
        : 'holds the admin token; the viewer token must differ from it',
    );
  }
  return token;
}

const authFileSchema = z.object({ auths: z.record(z.string(), z.object({}).passthrough()) });

async function gatewayFrom(flags: ServeFlags): Promise<GatewayOptions> {
  if (flags.upstreamTlsVerify !== 'true' && flags.upstreamTlsVerify !== 'false') {
    throw new PatchlineError('usage', `--upstream-tls-verify=${flags.upstreamTlsVerify}`, 'expected true or false');
  }
  if (flags.upstreamAuth !== undefined) {
    // Checked now, so a typo fails the start instead of every pull later.
    let text: string;
    try {
      text = await readFile(flags.upstreamAuth, 'utf8');
    } catch (error) {
      throw new PatchlineError(
        'input',
        flags.upstreamAuth,
        `cannot read the upstream auth file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    let parsed: ReturnType<typeof authFileSchema.safeParse>;
    try {
      parsed = authFileSchema.safeParse(JSON.parse(text));
    } catch (error) {
      throw new PatchlineError('input', flags.upstreamAuth, `is not JSON (${(error as Error).message})`);
    }
    if (!parsed.success) {
      throw new PatchlineError('input', flags.upstreamAuth, 'expected a containers auth.json: {"auths": {…}}');
    }
  }
  return {
    cacheDir: flags.gatewayCache ?? join(defaultCacheDir(), 'gateway'),
    upstreamAuthFile: flags.upstreamAuth,
    upstreamTlsVerify: flags.upstreamTlsVerify === 'true',
    challenge: flags.gatewayChallenge,
    publicUrl: flags.publicUrl === undefined ? undefined : parsePublicUrl(flags.publicUrl),
  };
}

/** scheme://host[:port] and nothing else: the token realm is built on it and answered to every host. */
function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PatchlineError('usage', `--public-url=${text}`, 'expected a URL such as https://patchline.example:8443');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new PatchlineError(
      'usage',
      `--public-url=${text}`,
      'expected http(s)://host[:port] without credentials, path or query',
    );
  }
  return `${url.protocol}//${url.host}`;
}

function retentionFrom(flags: ServeFlags): { policy: RetentionPolicy; everyMs: number } {
  const duration = (flag: string, value: string): number => {
    const ms = tryParseDuration(value);
    if (ms === undefined) throw new PatchlineError('usage', `${flag}=${value}`, `expected ${DURATION_HINT}, not 0`);
    return ms;
  };
  return {
    policy: {
      ...DEFAULT_RETENTION,
      finishedRolloutsPerFleet: flags.retainFinishedRollouts,
      eventsForMs: duration('--retain-events-for', flags.retainEventsFor),
      runsForMs: duration('--retain-runs-for', flags.retainRunsFor),
    },
    everyMs: duration('--prune-every', flags.pruneEvery),
  };
}

function rolloutCount(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
    throw new PatchlineError(
      'usage',
      `--retain-finished-rollouts=${value}`,
      'expected a whole number of rollouts (0 or more)',
    );
  }
  return number;
}

function perMinute(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new PatchlineError('usage', value, 'is not a number of requests a minute (expected a positive integer)');
  }
  return number;
}

/** A rate of n a minute allows bursts of a quarter of it (at least 10): a host restarting does several calls at once. */
function limitsFrom(flags: ServeFlags): Partial<ServerLimits> {
  const rate = (perMinute: number) => ({ perMinute, burst: Math.max(10, Math.ceil(perMinute / 4)) });
  const limits: Partial<ServerLimits> = { bodyBytes: flags.maxBody };
  if (flags.hostRateLimit !== undefined) limits.host = rate(flags.hostRateLimit);
  if (flags.adminRateLimit !== undefined) limits.admin = rate(flags.adminRateLimit);
  if (flags.anonymousRateLimit !== undefined) limits.anonymous = rate(flags.anonymousRateLimit);
  return limits;
}

/** `127.0.0.1:8080`, `[::1]:8080`, `:8080` (every address). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new PatchlineError('usage', `--listen=${value}`, 'expected host:port, e.g. 127.0.0.1:8080');
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
