import { PatchlineError } from '../errors.js';
import type { FeedSource } from './feeds/feed-source.js';
import { feedSource, feedUsages } from './feeds/registry.js';

/**
 * A feed is one thing `db update` keeps in sync: one OSV ecosystem, Red Hat's VEX collection, the Debian tracker, one
 * Alpine branch. Each kind of feed (its `--source` name, its publisher's layout, its sync routine) is one folder under
 * feeds/ and one line in feeds/registry.ts.
 */
/** A `--source` kind of feeds/registry.ts: `osv`, `redhat-vex`, … */
export type FeedKind = string;

export interface Feed {
  /** The name `--source` takes and the sync state is keyed by: `osv:AlmaLinux`, `redhat-vex`, `alpine-secdb:v3.21`. */
  id: string;
  kind: FeedKind;
  /** Where the feed's layout starts, ending in `/`. */
  base: string;
  /** OSV ecosystem (`AlmaLinux`, `Rocky Linux:9`) or Alpine branch (`v3.21`), for kinds that have one. */
  name?: string;
  /**
   * debian-tracker only: where `DSA/list` and `DLA/list` are, the only dates the tracker's data gives for a fix. The
   * tracker's web site does not serve them; its git repository does. A mirror keeps them beside `json`.
   */
  listsBase?: string;
  /** updateinfo only: the ecosystem key its errata are filed under (from `#os=ID:VERSION_ID`); absent: inferred. */
  os?: string;
}

/**
 * What `db update` fetches when no `--source` is given: the OSV ecosystems of the distributions Patchline matches by
 * OSV, each a few MB. Red Hat's VEX archive (hundreds of MB), the Debian tracker (tens of MB) and Alpine's secdb are
 * opt-in (docs/decisions/0011-feed-sync.md).
 */
export const DEFAULT_SOURCES: readonly string[] = ['osv:AlmaLinux', 'osv:Rocky Linux', 'osv:Debian', 'osv:Alpine'];

/** The env variable that points every feed at one mirror, like `--mirror`. */
export const MIRROR_ENV = 'PATCHLINE_FEED_MIRROR';

/** Parses one `--source` name against an optional mirror base URL. */
export function parseFeed(spec: string, mirror?: string): Feed {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const kind = colon === -1 ? text : text.slice(0, colon);
  const name = colon === -1 ? undefined : text.slice(colon + 1);
  const source = feedSource(kind);
  if (source === undefined) {
    throw new PatchlineError('usage', `--source ${spec}`, `unknown feed (known: ${feedUsages()})`);
  }
  const base = mirror === undefined ? source.upstream : joinBase(mirror, source.mirrorFolder);
  return source.parse(name, { spec, base, mirror });
}

/**
 * The feeds `--source` names (comma-separated, repeatable; duplicates once), or the default set when none is named.
 * `mirror` (from `--mirror` or PATCHLINE_FEED_MIRROR) replaces every publisher's base URL.
 */
export function selectFeeds(sources: readonly string[], mirror?: string): Feed[] {
  if (mirror !== undefined) checkMirror(mirror);
  const specs = sources.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
  const feeds = new Map<string, Feed>();
  for (const spec of specs.length > 0 ? specs : DEFAULT_SOURCES) {
    const feed = parseFeed(spec, mirror);
    feeds.set(feed.id, feed);
  }
  return [...feeds.values()];
}

/** A URL inside a feed: each path segment is escaped (`Rocky Linux` → `Rocky%20Linux`), the slashes between kept. */
export function feedUrl(feed: Feed, ...segments: string[]): string {
  return feed.base + segments.map((s) => encodeURIComponent(s)).join('/');
}

/** Where a feed's records come from, as `db status` shows it: the feed's own folder (one line per OSV ecosystem). */
export function feedOrigin(feed: Feed): string {
  const origin = sourceOf(feed).origin;
  if (origin !== undefined) return origin(feed);
  return feed.name === undefined ? feed.base : `${feedUrl(feed, feed.name)}/`;
}

/** The registered kind a parsed feed is of (every Feed comes from parseFeed, so it has one). */
export function sourceOf(feed: Feed): FeedSource {
  const source = feedSource(feed.kind);
  if (source === undefined) throw new Error(`feed ${feed.id}: no registered feed kind ${feed.kind}`);
  return source;
}

function checkMirror(mirror: string): void {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw new PatchlineError('usage', `--mirror ${mirror}`, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PatchlineError('usage', `--mirror ${mirror}`, 'must be an http:// or https:// URL');
  }
}

function joinBase(mirror: string, folder: string): string {
  return `${mirror.replace(/\/+$/, '')}/${folder}`;
}
