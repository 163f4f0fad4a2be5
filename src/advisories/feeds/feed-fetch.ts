import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PatchlineError } from '../../core/index.js';
import { type DownloadRequest, type DownloadResult, download, type HttpOptions } from '../download.js';
import type { Feed } from '../feeds.js';
import type { FeedState, Validators } from '../sync-state.js';

/** What one feed's sync routine gets: where to put files, what the last sync remembered, how to talk HTTP. */
export interface FeedContext {
  feed: Feed;
  /** This feed's own download folder. */
  dir: string;
  /** The feed's state after its last completed sync; undefined for a first sync. */
  previous: FeedState | undefined;
  /** Validators of the URLs whose content the database holds. */
  known: Readonly<Record<string, Validators>>;
  http: HttpOptions;
  limits: FeedLimits;
}

export interface FeedLimits {
  /** Largest archive (OSV all.zip, Red Hat's VEX archive, the Debian tracker JSON). */
  maxArchiveBytes: number;
  /** Largest single document or change list. */
  maxDocumentBytes: number;
  /** More changed records than this since the last sync: take the whole archive instead of each record. */
  maxIncrementalRecords: number;
}

/** What a feed's sync routine found: files to import, ids to delete, and what to remember once they are in. */
export interface FeedFetch {
  /** Downloaded files to import, in order (later files win for the same record). */
  paths: string[];
  /** Record ids the publisher deleted since the last sync. */
  deletions: string[];
  /** Validators of the URLs downloaded, remembered once the import is committed. */
  urls: Record<string, Validators>;
  /** New watermark for the feed's state (the newest change the sync covers). */
  watermark?: string;
  /** Things the user should know: a listed record that was gone, a checksum the publisher does not publish. */
  notes: string[];
  /** Files whose published checksums were verified. */
  verified: number;
}

export function emptyFetch(previous: FeedState | undefined): FeedFetch {
  const fetch: FeedFetch = { paths: [], deletions: [], urls: {}, notes: [], verified: 0 };
  if (previous?.watermark !== undefined) fetch.watermark = previous.watermark;
  return fetch;
}

/**
 * Downloads one URL into the feed's folder as `name`, conditionally when `conditional` (the database holds this URL's
 * content), and records its validators unless `remember` is false. Returns the file's path, or undefined when the server said it is unchanged.
 */
export async function getFile(
  context: FeedContext,
  fetch: FeedFetch,
  url: string,
  name: string,
  options: {
    conditional: boolean;
    maxBytes: number;
    sha256?: string;
    digest?: DownloadRequest['digest'];
    remember?: boolean;
  },
): Promise<string | undefined> {
  if (name.includes('/') || name.startsWith('.')) {
    throw new PatchlineError('input', url, `would be stored as "${name}", outside the download folder`);
  }
  await mkdir(context.dir, { recursive: true });
  const known = options.conditional ? context.known[url] : undefined;
  const request: Parameters<typeof download>[0] = { url, path: join(context.dir, name), maxBytes: options.maxBytes };
  if (known !== undefined) request.known = known;
  if (options.sha256 !== undefined) request.sha256 = options.sha256;
  if (options.digest !== undefined) request.digest = options.digest;
  const result: DownloadResult = await download(request, context.http);
  if (result.status === 'unchanged') return undefined;
  // Files fetched once by name (a record, a dated archive) are never asked for conditionally: not worth remembering.
  if (options.remember !== false) fetch.urls[url] = result.validators;
  if (result.verified.length > 0) fetch.verified++;
  return result.path;
}

/** The folder name of a feed id: `osv:Rocky Linux:9` → `osv_Rocky_Linux_9`. */
export function feedFolder(downloads: string, feed: Feed): string {
  return join(downloads, feed.id.replace(/[^A-Za-z0-9.-]/g, '_'));
}

/**
 * getFile for a file the publisher may not have: what it downloads joins the import, and a 404 is a note (`url:
 * absent`) rather than a failure. Every other failure still fails the feed.
 */
export async function importIfPublished(
  context: FeedContext,
  fetch: FeedFetch,
  url: string,
  name: string,
  options: Parameters<typeof getFile>[4],
  absent: string,
): Promise<void> {
  try {
    const path = await getFile(context, fetch, url, name, options);
    if (path !== undefined) fetch.paths.push(path);
  } catch (error) {
    if (!(error instanceof PatchlineError && error.kind === 'not-found')) throw error;
    fetch.notes.push(`${url}: ${absent}`);
  }
}
