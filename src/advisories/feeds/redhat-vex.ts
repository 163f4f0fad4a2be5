import { readFile } from 'node:fs/promises';
import { PatchlineError } from '../../core/index.js';
import { fetchSmall } from '../download.js';
import { feedUrl } from '../feeds.js';
import { type ChangeList, changesSince, parseChangeList } from './change-list.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile, importIfPublished } from './feed-fetch.js';

/**
 * Red Hat's CSAF VEX collection, one document per CVE. The first sync reads `archive_latest.txt`, takes the archive it
 * names (`csaf_vex_YYYY-MM-DD.tar.zst`) and then the documents `changes.csv` lists as changed since the archive's
 * date; later syncs take only what `changes.csv` lists after the previous sync's newest change. `deletions.csv` gives
 * the CVEs whose documents were withdrawn. Every file's `.sha256` is checked where Red Hat publishes one.
 */
const ARCHIVE_NAME = /^csaf_vex_(\d{4}-\d{2}-\d{2})\.tar\.zst$/;
const DOCUMENT_PATH = /^(\d{4})\/(cve-\d{4}-\d{4,})\.json$/;

export async function fetchRedhatVex(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  let since = context.previous?.watermark;

  if (since === undefined) {
    const pointerUrl = feedUrl(context.feed, 'archive_latest.txt');
    const pointer = (await fetchSmall(pointerUrl, 1024, context.http))?.trim();
    if (pointer === undefined) throw new PatchlineError('not-found', pointerUrl, 'the server has no such file');
    const match = ARCHIVE_NAME.exec(pointer);
    if (match === null) {
      throw new PatchlineError('input', pointerUrl, `names "${pointer.slice(0, 80)}", not csaf_vex_YYYY-MM-DD.tar.zst`);
    }
    const archiveUrl = feedUrl(context.feed, pointer);
    const sha256 = await publishedSha256(context, result, archiveUrl);
    const options = { conditional: false, remember: false, maxBytes: context.limits.maxArchiveBytes };
    const archive = await getFile(context, result, archiveUrl, pointer, sha256 ? { ...options, sha256 } : options);
    if (archive !== undefined) result.paths.push(archive);
    // Changes made on the archive's day may or may not be in it: take them again.
    since = new Date(Date.parse(`${match[1]}T00:00:00Z`) - 1).toISOString();
    result.watermark = new Date(Date.parse(`${match[1]}T00:00:00Z`)).toISOString();
  }

  const changes = await changeList(context, result, 'changes.csv');
  if (changes !== undefined) {
    const { keys, newest } = changesSince(changes, since);
    if (newest !== undefined && (result.watermark === undefined || newest > result.watermark)) {
      result.watermark = newest;
    }
    for (const path of keys) {
      const [, year, name] = DOCUMENT_PATH.exec(path)!;
      const url = feedUrl(context.feed, year!, `${name}.json`);
      const sha256 = await publishedSha256(context, result, url);
      const options = { conditional: false, remember: false, maxBytes: context.limits.maxDocumentBytes };
      const absent = 'listed as changed but not published (skipped)';
      await importIfPublished(context, result, url, `${name}.json`, sha256 ? { ...options, sha256 } : options, absent);
    }
  }
  const deletions = await changeList(context, result, 'deletions.csv');
  if (deletions !== undefined) {
    for (const path of changesSince(deletions, since).keys) {
      result.deletions.push(DOCUMENT_PATH.exec(path)![2]!.toUpperCase());
    }
  }
  return result;
}

/** A change list, or undefined when it did not change since the database took it (304). */
async function changeList(context: FeedContext, result: FeedFetch, name: string): Promise<ChangeList | undefined> {
  const url = feedUrl(context.feed, name);
  const path = await getFile(context, result, url, name, {
    conditional: context.previous !== undefined,
    maxBytes: context.limits.maxDocumentBytes,
  });
  if (path === undefined) return undefined;
  const list = parseChangeList(await readFile(path, 'utf8'), 'key-first', (key) => DOCUMENT_PATH.test(key));
  for (const line of list.rejected.slice(0, 20)) result.notes.push(`${url}: ${line} (skipped)`);
  return list;
}

/** The SHA-256 Red Hat publishes beside a file (`<hex>` or `<hex>  <name>`), or undefined, noted, when it has none. */
async function publishedSha256(context: FeedContext, result: FeedFetch, url: string): Promise<string | undefined> {
  const text = await fetchSmall(`${url}.sha256`, 4096, context.http);
  if (text === undefined) {
    result.notes.push(`${url}: no .sha256 published; not checksum-verified`);
    return undefined;
  }
  const hex = /^([a-fA-F0-9]{64})(\s|$)/.exec(text.trim())?.[1];
  if (hex === undefined) throw new PatchlineError('integrity', `${url}.sha256`, 'is not a SHA-256 checksum file');
  return hex.toLowerCase();
}
