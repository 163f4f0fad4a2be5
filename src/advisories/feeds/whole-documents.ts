import { PatchlineError } from '../../errors.js';
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
    const url = feedUrl(context.feed, branch, `${repository}.json`);
    try {
      const path = await getFile(context, result, url, `alpine-${branch}-${repository}.json`, {
        conditional: true,
        maxBytes: context.limits.maxDocumentBytes,
      });
      if (path !== undefined) result.paths.push(path);
    } catch (error) {
      // Branches before v3.3 had no community repository, so no community secdb.
      if (repository === 'community' && error instanceof PatchlineError && error.kind === 'not-found') {
        result.notes.push(`${url}: not published (this branch has no community secdb)`);
        continue;
      }
      throw error;
    }
  }
  return result;
}
