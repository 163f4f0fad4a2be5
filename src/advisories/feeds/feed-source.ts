import type { AdvisorySource, Importer } from '../advisory.js';
import type { AdvisoryDatabase } from '../database.js';
import type { Feed } from '../feeds.js';
import type { FeedContext, FeedFetch } from './feed-fetch.js';

/**
 * One kind of feed `db update` keeps in sync, everything about it in one place: how `--source` names it, where the
 * publisher and a mirror keep it, how it is fetched and what its deletions are filed under. Each kind lives in its
 * own folder (feeds/<kind>/feed.ts) and is listed once in feeds/registry.ts.
 */
export interface FeedSource {
  /** The `--source` name, before any colon: `osv`, `redhat-vex`. */
  kind: string;
  /** How `--source` spells it, for help and errors: `osv:<Ecosystem>`. */
  usage: string;
  /** A `--source` value it accepts, for tests and docs. */
  example: string;
  /** Where the publisher's layout starts, ending in `/`; empty for a feed named by its own URL. */
  upstream: string;
  /** Its folder under a mirror, holding the upstream layout unchanged; empty when a mirror does not hold it. */
  mirrorFolder: string;
  /** The advisory source a feed's deletions are recorded against. */
  deletionSource: AdvisorySource;
  /** The feed `--source` names: `name` is what follows the colon. Throws a usage error naming `at.spec`. */
  parse(name: string | undefined, at: FeedLocation): Feed;
  /** Downloads what changed since the last sync. */
  sync(context: FeedContext): Promise<FeedFetch>;
  /** The importers its files are read with; absent: every importer. */
  importers?(feed: Feed, db: AdvisoryDatabase): Importer[];
  /** Where its records come from, as `db status` shows it; absent: the feed's own folder. */
  origin?(feed: Feed): string;
}

export interface FeedLocation {
  /** The `--source` value as given, for errors. */
  spec: string;
  /** The upstream base, or its folder under the mirror. */
  base: string;
  /** The mirror every feed is fetched from, if one is set. */
  mirror: string | undefined;
}
