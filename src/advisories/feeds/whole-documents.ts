import { feedUrl } from '../feeds.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile } from './feed-fetch.js';

/**
 * Feeds published as whole documents with no change list: the Debian security tracker's JSON and an Alpine branch's
 * secdb (`main.json`, `community.json`). Each is fetched conditionally; a 304 leaves it out of the import.
 */
export async function fetchDebianTracker(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  const path = await getFile(context, result, feedUrl(context.feed, 'json'), 'debian-tracker.json', {
    conditional: true,
    maxBytes: context.limits.maxArchiveBytes,
  });
  if (path !== undefined) result.paths.push(path);
  return result;
}

export async function fetchAlpineSecdb(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  const branch = context.feed.name!;
  for (const repository of ['main', 'community']) {
    const path = await getFile(
      context,
      result,
      feedUrl(context.feed, branch, `${repository}.json`),
      `alpine-${branch}-${repository}.json`,
      { conditional: true, maxBytes: context.limits.maxDocumentBytes },
    );
    if (path !== undefined) result.paths.push(path);
  }
  return result;
}
