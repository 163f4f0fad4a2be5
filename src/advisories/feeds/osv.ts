import { readFile } from 'node:fs/promises';
import { feedUrl } from '../feeds.js';
import { changesSince, parseChangeList } from './change-list.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile, importIfPublished } from './feed-fetch.js';

/**
 * One OSV ecosystem. The first sync takes `all.zip`; later syncs read `modified_id.csv` (conditionally: a 304 means
 * nothing changed) and fetch only the records modified since the newest time the previous sync saw. When more records
 * changed than fetching them one by one is worth (`maxIncrementalRecords`), `all.zip` is taken again.
 */

// OSV ids: `ALSA-2024:0001`, `DSA-3029-1`, `GHSA-xxxx-xxxx-xxxx`; never a slash or a leading dot.
const OSV_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;

export async function fetchOsv(context: FeedContext): Promise<FeedFetch> {
  const ecosystem = context.feed.name!;
  const result = emptyFetch(context.previous);
  const since = context.previous?.watermark;
  // The list is read before the archive, so its newest time is never newer than what the archive holds: a record
  // modified in between is fetched again next time rather than missed.
  const listUrl = feedUrl(context.feed, ecosystem, 'modified_id.csv');
  const listPath = await getFile(context, result, listUrl, 'modified_id.csv', {
    conditional: since !== undefined,
    maxBytes: context.limits.maxDocumentBytes,
  });
  if (listPath === undefined) return result;
  const list = parseChangeList(await readFile(listPath, 'utf8'), 'time-first', (id) => OSV_ID.test(id));
  for (const line of list.rejected.slice(0, 20)) result.notes.push(`${listUrl}: ${line} (skipped)`);
  const { keys, newest } = changesSince(list, since);
  if (newest !== undefined) result.watermark = newest;

  if (since === undefined || keys.length > context.limits.maxIncrementalRecords) {
    // Never conditional: the list says records changed, so a 304 from a stale cache would lose them.
    const zip = await getFile(context, result, feedUrl(context.feed, ecosystem, 'all.zip'), 'all.zip', {
      conditional: false,
      remember: false,
      maxBytes: context.limits.maxArchiveBytes,
    });
    if (zip !== undefined) result.paths.push(zip);
    return result;
  }
  for (const id of keys) {
    const url = feedUrl(context.feed, ecosystem, `${id}.json`);
    const options = { conditional: false, remember: false, maxBytes: context.limits.maxDocumentBytes };
    // A 404: the list names a record the bucket no longer holds (it was removed after the list was written).
    await importIfPublished(
      context,
      result,
      url,
      `${id}.json`,
      options,
      'listed as modified but not published (skipped)',
    );
  }
  return result;
}
