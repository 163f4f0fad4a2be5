import { feedUrl } from '../feeds.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile, importIfPublished } from './feed-fetch.js';

/**
 * Feeds published as whole documents with no change list: the Debian security tracker's JSON (with its DSA and DLA
 * lists) and an Alpine branch's secdb (`main.json`, `community.json`). Each is fetched conditionally; a 304 leaves it
 * out of the import.
 */
export async function fetchDebianTracker(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  const path = await getFile(context, result, feedUrl(context.feed, 'json'), 'debian-tracker.json', {
    conditional: true,
    maxBytes: context.limits.maxArchiveBytes,
  });
  if (path === undefined) return result;
  result.paths.push(path);
  // The DSA and DLA lists date the fixes they shipped; they are read with the JSON at every import (the importer
  // needs both at once), so they are fetched whole whenever the JSON changed. A mirror without them is noted, and its
  // fixes are dated by the first sync that saw them; any other failure fails the feed, leaving the database as it was,
  // since fixes imported without their dates would keep the later date.
  const listsBase = context.feed.listsBase ?? context.feed.base;
  for (const list of ['DSA', 'DLA']) {
    const options = { conditional: false, remember: false, maxBytes: context.limits.maxArchiveBytes };
    const absent = 'not published (fixes it would date are dated by this sync)';
    await importIfPublished(context, result, `${listsBase}${list}/list`, `debian-${list}-list.txt`, options, absent);
  }
  return result;
}

export async function fetchAlpineSecdb(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  const branch = context.feed.name!;
  const file = (repository: string) => `alpine-${branch}-${repository}.json`;
  const options = { conditional: true, maxBytes: context.limits.maxDocumentBytes };
  const main = await getFile(context, result, feedUrl(context.feed, branch, 'main.json'), file('main'), options);
  if (main !== undefined) result.paths.push(main);
  // Branches before v3.3 had no community repository, so no community secdb.
  const community = feedUrl(context.feed, branch, 'community.json');
  const absent = 'not published (this branch has no community secdb)';
  await importIfPublished(context, result, community, file('community'), options, absent);
  return result;
}
