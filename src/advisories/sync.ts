import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PatchlineError } from '../errors.js';
import type { Importer, ImportProblem } from './advisory.js';
import { buildInCopy } from './build-in-copy.js';
import type { AdvisoryDatabase } from './database.js';
import type { HttpOptions } from './download.js';
import { type FeedContext, type FeedFetch, type FeedLimits, feedFolder } from './feeds/feed-fetch.js';
import { type Feed, feedOrigin, sourceOf } from './feeds.js';
import { importPaths } from './import-paths.js';
import { emptySyncState, readSyncState, type SyncState, writeSyncState } from './sync-state.js';

/**
 * `db update`: brings the database up to date with the publishers' feeds. Everything is downloaded first; then the
 * new database is built in a copy of the current one and its content swapped into the current one in one transaction,
 * so an update that fails or is interrupted at any point leaves the previous database as it was (and what it
 * downloaded, to resume from, in the download folder), and a scan or `serve` holding the database open reads the old
 * content or the new.
 */
export interface UpdateOptions {
  http?: HttpOptions;
  /** Where downloads (and partial downloads) live; default `<db>.downloads` beside the database. */
  downloadDir?: string;
  limits?: Partial<FeedLimits>;
  /** Progress lines, for stderr when it is a terminal. */
  onProgress?: (message: string) => void;
  now?: () => Date;
}

export interface FeedReport {
  feed: string;
  /** Files downloaded and imported; 0 when the publisher said nothing changed. */
  files: number;
  deletions: number;
  /** Files whose published checksum was verified. */
  verified: number;
  notes: string[];
  /** Set when this feed failed; the others were still applied. */
  error?: string;
}

export interface UpdateResult {
  database: string;
  /** False when no feed had anything new: the database file was not rewritten. */
  changed: boolean;
  feeds: FeedReport[];
  added: number;
  updated: number;
  deleted: number;
  /** Records an importer could not read: reported and skipped, never stored. */
  problems: ImportProblem[];
}

export const DEFAULT_FEED_LIMITS: FeedLimits = {
  maxArchiveBytes: 8 * 1024 ** 3,
  maxDocumentBytes: 256 * 1024 ** 2,
  // One request per record costs about what 2000 records of a zip do.
  maxIncrementalRecords: 2000,
};

/** A feed's own importers where its kind names them (updateinfo); every importer otherwise. */
function feedImporters(feed: Feed, db: AdvisoryDatabase): { importers: Importer[] } | undefined {
  const importers = sourceOf(feed).importers;
  return importers === undefined ? undefined : { importers: importers(feed, db) };
}

export async function updateDatabase(
  dbPath: string,
  feeds: readonly Feed[],
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const now = options.now ?? (() => new Date());
  const limits = { ...DEFAULT_FEED_LIMITS, ...options.limits };
  const downloads = options.downloadDir ?? `${dbPath}.downloads`;
  const progress = options.onProgress ?? (() => undefined);
  // A state without its database (deleted, or never built) must not turn the first requests into 304s.
  const state = existsSync(dbPath) ? await readSyncState(dbPath) : emptySyncState();

  const fetched: Array<{ feed: Feed; fetch: FeedFetch }> = [];
  const reports: FeedReport[] = [];
  for (const feed of feeds) {
    progress(`${feed.id}: checking ${feed.base}`);
    const context: FeedContext = {
      feed,
      dir: feedFolder(downloads, feed),
      previous: state.feeds[feed.id],
      known: state.urls,
      http: options.http ?? {},
      limits,
    };
    try {
      const fetch = await sourceOf(feed).sync(context);
      fetched.push({ feed, fetch });
      reports.push({
        feed: feed.id,
        files: fetch.paths.length,
        deletions: fetch.deletions.length,
        verified: fetch.verified,
        notes: fetch.notes,
      });
    } catch (error) {
      if (!(error instanceof PatchlineError)) throw error;
      reports.push({ feed: feed.id, files: 0, deletions: 0, verified: 0, notes: [], error: error.message });
    }
  }

  const result: UpdateResult = {
    database: dbPath,
    changed: false,
    feeds: reports,
    added: 0,
    updated: 0,
    deleted: 0,
    problems: [],
  };
  const work = fetched.filter(({ fetch }) => fetch.paths.length > 0 || fetch.deletions.length > 0);
  if (work.length > 0) {
    await buildInCopy(dbPath, async (db) => {
      const at = now().toISOString();
      for (const { feed, fetch } of work) {
        progress(`${feed.id}: importing ${fetch.paths.length} file(s)`);
        if (fetch.paths.length > 0) {
          const imported = await importPaths(db, fetch.paths, {
            origin: feedOrigin(feed),
            at,
            ...feedImporters(feed, db),
          });
          result.added += imported.added;
          result.updated += imported.updated;
          result.deleted += imported.deleted;
          result.problems.push(...imported.problems);
        }
        if (fetch.deletions.length > 0) {
          const summary = db.write(
            sourceOf(feed).deletionSource,
            { records: [], problems: [], deletions: fetch.deletions },
            { at, origin: feedOrigin(feed) },
          );
          result.deleted += summary.deleted;
        }
      }
    });
    result.changed = true;
  }

  // Only now that the database holds the content may the state say so (and with no database, there is nothing to say).
  if (existsSync(dbPath)) await writeSyncState(dbPath, nextState(state, fetched, now().toISOString()));
  // What was imported is in the database now; a failed feed's folder keeps its partial downloads for the next run.
  for (const { feed } of fetched) await rm(feedFolder(downloads, feed), { recursive: true, force: true });
  return result;
}

function nextState(state: SyncState, fetched: ReadonlyArray<{ feed: Feed; fetch: FeedFetch }>, at: string): SyncState {
  const next: SyncState = { version: 1, urls: { ...state.urls }, feeds: { ...state.feeds } };
  for (const { feed, fetch } of fetched) {
    Object.assign(next.urls, fetch.urls);
    next.feeds[feed.id] =
      fetch.watermark === undefined ? { lastSync: at } : { watermark: fetch.watermark, lastSync: at };
  }
  return next;
}
