import { z } from 'zod';
import type { HostView } from './host-row.js';

/**
 * A fleet's hosts filtered, sorted and cut to one page on the server, so the browser never holds 10,000 rows.
 * Filters combine: `q` matches the host name or a label (`zone=b` or just `b`), `show` a health or reachability
 * class, `release` the booted release (`-` for an image no release names).
 */
export const hostQuerySchema = z.strictObject({
  q: z.string().max(200).optional(),
  show: z.enum(['all', 'online', 'offline', 'healthy', 'unhealthy', 'unreported']).default('all'),
  release: z.string().max(253).optional(),
  sort: z.enum(['name', 'release', 'health', 'lastSeen', 'rollout']).default('name'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  offset: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().max(500).default(100),
});
export type HostQuery = z.infer<typeof hostQuerySchema>;

export interface HostPage {
  total: number;
  matched: number;
  offset: number;
  limit: number;
  items: HostView[];
}

export function hostPage(hosts: readonly HostView[], query: HostQuery): HostPage {
  const matching = hosts.filter((host) => matches(host, query));
  const key = sortKey(query.sort);
  const sign = query.dir === 'asc' ? 1 : -1;
  matching.sort((a, b) => sign * compare(key(a), key(b)) || compare(a.name, b.name));
  return {
    total: hosts.length,
    matched: matching.length,
    offset: query.offset,
    limit: query.limit,
    items: matching.slice(query.offset, query.offset + query.limit),
  };
}

function matches(host: HostView, query: HostQuery): boolean {
  switch (query.show) {
    case 'online':
      if (!host.online) return false;
      break;
    case 'offline':
      if (host.online) return false;
      break;
    case 'healthy':
    case 'unhealthy':
      if (host.health !== query.show) return false;
      break;
    case 'unreported':
      if (host.booted !== undefined) return false;
      break;
  }
  if (query.release !== undefined && query.release !== '') {
    if ((host.release ?? '-') !== query.release) return false;
  }
  const text = query.q?.trim().toLowerCase();
  if (text === undefined || text === '') return true;
  if (host.name.toLowerCase().includes(text)) return true;
  return Object.entries(host.labels).some(
    ([key, value]) => `${key}=${value}`.toLowerCase() === text || value.toLowerCase() === text,
  );
}

type Key = string | number;

function sortKey(sort: HostQuery['sort']): (host: HostView) => Key {
  switch (sort) {
    case 'name':
      return (host) => host.name;
    case 'release':
      return (host) => host.release ?? '';
    case 'health':
      // Unhealthy first when ascending: the column is sorted to find trouble.
      return (host) => (host.health === 'unhealthy' ? 0 : host.health === 'unknown' ? 1 : 2);
    case 'lastSeen':
      return (host) => host.lastSeen ?? '';
    case 'rollout':
      return (host) => host.rolloutState ?? '';
  }
}

function compare(a: Key, b: Key): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
