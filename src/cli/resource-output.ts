import { Option } from 'commander';
import { stringify as toYaml } from 'yaml';
import type { Fleet, Host, Release, Rollout } from '../fleet/index.js';
import { shortDigest, table } from '../report/index.js';

/**
 * How the controller commands print what the server answered: a table for people, or the resources exactly as the
 * server sent them in JSON or YAML, so `get -o yaml > x.yaml && apply -f x.yaml` round-trips.
 */

export type OutputFormat = 'table' | 'json' | 'yaml';

// `-o` as kubectl spells it: `-f` is the file of `apply -f`, so it cannot also be the format here.
export function formatOption(): Option {
  return new Option('-o, --format <format>', 'output format').choices(['table', 'json', 'yaml']).default('table');
}

/** A document for json or yaml output. */
export function formatDocument(document: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : toYaml(document);
}

/** Rows of a table: a header, then one row per item. */
export function formatTable(header: string[], rows: string[][]): string {
  return rows.length === 0 ? 'No resources found.\n' : `${table([header, ...rows])}\n`;
}

/** What some tables show beside an item's own fields: a host's images as release names. */
export interface TableContext {
  releases: Release[];
}

export type Columns<T> = { header: string[]; row: (item: T, now: number, context?: TableContext) => string[] };

export const fleetColumns: Columns<Fleet> = {
  header: ['NAME', 'SELECTOR', 'IMAGE', 'CURRENT RELEASE', 'AGE'],
  row: (fleet, now) => [
    fleet.metadata.name,
    selectorText(fleet.spec.selector),
    fleet.spec.image,
    fleet.status?.currentRelease ?? '-',
    age(fleet.metadata.createdAt, now),
  ],
};

export const releaseColumns: Columns<Release> = {
  header: ['NAME', 'FLEET', 'DIGEST', 'GATE', 'AGE'],
  row: (release, now) => [
    release.metadata.name,
    release.spec.fleet,
    shortDigest(release.spec.image.slice(release.spec.image.lastIndexOf('@') + 1)),
    release.spec.gate === undefined
      ? release.spec.force
        ? 'forced'
        : '-'
      : release.spec.gate.passed
        ? release.spec.force && release.spec.gate.evidence === undefined
          ? 'passed (forced)'
          : 'passed'
        : release.spec.force
          ? 'failed (forced)'
          : 'failed',
    age(release.metadata.createdAt, now),
  ],
};

export const rolloutColumns: Columns<Rollout> = {
  header: ['NAME', 'RELEASE', 'PHASE', 'BATCH', 'HEALTHY', 'FAILED', 'IN FLIGHT', 'AGE', 'MESSAGE'],
  row: (rollout, now) => {
    const records = Object.values(rollout.status?.hosts ?? {});
    const count = (states: string[]) => String(records.filter((record) => states.includes(record.state)).length);
    return [
      rollout.metadata.name,
      rollout.spec.release,
      rollout.status?.phase ?? 'new',
      rollout.status === undefined ? '-' : String(rollout.status.batch),
      `${count(['healthy'])}/${records.length}`,
      count(['failed', 'rolled-back', 'timed-out']),
      count(['selected', 'updating', 'rebooting', 'verifying']),
      age(rollout.metadata.createdAt, now),
      // What it waits for (an approval, a window, the budget), or why it stopped or is blocked.
      rolloutMessage(rollout),
    ];
  },
};

/** The controller's message and, for a progressing rollout, the hosts it holds back and why. */
export function rolloutMessage(rollout: Rollout): string {
  const held = rollout.status?.heldBack ?? {};
  const reasons = [
    held['download-window-closed'] && `${held['download-window-closed']} outside the download window`,
    held['disruption-budget'] && `${held['disruption-budget']} over the disruption budget`,
    held.offline && `${held.offline} offline`,
  ].filter((reason) => typeof reason === 'string');
  const waiting = reasons.length === 0 ? undefined : `waiting: ${reasons.join(', ')}`;
  return [rollout.status?.message, waiting].filter((part) => part !== undefined).join('; ');
}

export const hostColumns: Columns<Host> = {
  header: ['NAME', 'FLEET', 'LABELS', 'BOOTED', 'STAGED', 'HEALTH', 'STATE', 'LAST SEEN'],
  row: (host, now, context) => {
    const bootc = host.status?.report?.bootc.status;
    const health = host.status?.report?.health;
    // The server adds what it judges from the stored host: its fleet, and whether it is online.
    const judged = host.status;
    return [
      host.metadata.name,
      judged?.fleet ?? '-',
      labelsText(host.metadata.labels),
      imageText(bootc?.booted?.image?.imageDigest, judged?.fleet, context),
      imageText(bootc?.staged?.image?.imageDigest, judged?.fleet, context),
      health === undefined
        ? '-'
        : health.state === 'healthy'
          ? 'healthy'
          : `unhealthy (${health.failedChecks.join(',')})`,
      judged?.online === undefined ? '-' : judged.online ? 'online' : 'offline',
      host.status?.lastSeen === undefined ? 'never' : `${age(host.status.lastSeen, now)} ago`,
    ];
  },
};

/**
 * A host's image as its release name with the digest after it (`2026-12-01 (1a2b3c4d5e6f)`): the release of the
 * host's fleet with that digest, else of any fleet; the digest alone when no release has it.
 */
function imageText(digest: string | undefined, fleet: string | undefined, context: TableContext | undefined): string {
  if (digest === undefined) return '-';
  const releases = (context?.releases ?? []).filter((release) => release.spec.image.endsWith(`@${digest}`));
  const release = releases.find((each) => each.spec.fleet === fleet) ?? releases[0];
  return release === undefined ? shortDigest(digest) : `${release.metadata.name} (${shortDigest(digest)})`;
}

export function labelsText(labels: Record<string, string> | undefined): string {
  const pairs = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return pairs.length === 0 ? '-' : pairs.join(',');
}

function selectorText(selector: Fleet['spec']['selector']): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const requirement of selector.matchExpressions ?? []) {
    const values = requirement.values?.join(',') ?? '';
    parts.push(
      requirement.operator === 'Exists'
        ? requirement.key
        : requirement.operator === 'DoesNotExist'
          ? `!${requirement.key}`
          : `${requirement.key} ${requirement.operator.toLowerCase()} (${values})`,
    );
  }
  return parts.length === 0 ? '(all hosts)' : parts.join(',');
}

/** "3d", "5h", "12m", "40s": how kubectl shows ages. */
export function age(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined) return '-';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 2 * 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
