import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { formatSchemaError, PatchlineError } from '../../core/index.js';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * The auth files podman, skopeo and bootc read, in the order we consult them: the first file holding an entry for the
 * registry wins. `$REGISTRY_AUTH_FILE` is the user's explicit choice; `/etc/ostree/auth.json` is where bootc hosts
 * keep pull secrets.
 */
export function defaultAuthFiles(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(home, '.docker', 'config.json'));
  files.push('/etc/ostree/auth.json');
  return files;
}

const authFileSchema = z.object({
  auths: z.record(z.string(), z.object({ auth: z.string().optional() }).passthrough()).optional(),
});

/** Docker Hub is written `docker.io`, `index.docker.io` or `https://index.docker.io/v1/` in auth files. */
const DOCKER_HUB_HOSTS = ['registry-1.docker.io', 'docker.io', 'index.docker.io'];

/**
 * Finds credentials for `registry` (host[:port]) and `repository`. Within one file the most specific key wins, as in
 * containers-auth.json(5): `host/ns/repo` before `host/ns` before `host`. Files that do not exist are skipped; a file
 * that exists but is malformed is an error, because silently pulling anonymously would hide the user's mistake.
 */
export async function findCredentials(
  registry: string,
  repository: string | undefined,
  files: readonly string[],
): Promise<Credentials | undefined> {
  const wanted = candidateKeys(registry, repository);
  for (const file of files) {
    const entries = await readAuthFile(file);
    if (entries === undefined) continue;
    for (const key of wanted) {
      const entry = entries.get(key);
      if (entry !== undefined) return entry;
    }
  }
  return undefined;
}

/** Keys to look for, most specific first. */
function candidateKeys(registry: string, repository: string | undefined): string[] {
  const hosts = DOCKER_HUB_HOSTS.includes(registry) ? DOCKER_HUB_HOSTS : [registry];
  const keys: string[] = [];
  for (const host of hosts) {
    const parts = repository ? repository.split('/') : [];
    for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join('/')}`);
  }
  keys.push(...hosts);
  return keys;
}

/** The file's usable entries keyed by normalised name, or undefined when the file does not exist. */
async function readAuthFile(file: string): Promise<Map<string, Credentials> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new PatchlineError('input', file, `cannot read auth file (${(error as Error).message})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PatchlineError('input', file, `auth file is not valid JSON (${(error as Error).message})`);
  }
  const parsed = authFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new PatchlineError('input', file, `auth file ${formatSchemaError(parsed.error, { whole: '(top level)' })}`);
  }
  const entries = new Map<string, Credentials>();
  for (const [key, entry] of Object.entries(parsed.data.auths ?? {})) {
    // Entries without `auth` exist when docker keeps the secret in a credential helper; we cannot use those.
    if (entry.auth === undefined || entry.auth === '') continue;
    const normalised = normaliseKey(key);
    if (!entries.has(normalised)) entries.set(normalised, decodeAuth(entry.auth, file, key));
  }
  return entries;
}

/** `https://host/v1/` (docker's legacy form) names the whole host; other keys are `host[/path]` as written. */
function normaliseKey(key: string): string {
  const withoutScheme = key.replace(/^https?:\/\//, '');
  if (withoutScheme === key) return key.replace(/\/+$/, '');
  return withoutScheme.split('/')[0] ?? withoutScheme;
}

function decodeAuth(auth: string, file: string, key: string): Credentials {
  const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(auth) ? Buffer.from(auth, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new PatchlineError('input', file, `auths.${key}.auth: expected base64 of "username:password"`);
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
