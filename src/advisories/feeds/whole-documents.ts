import { PatchlineError } from '../../errors.js';
import { feedUrl } from '../feeds.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile } from './feed-fetch.js';

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
    const url = `${listsBase}${list}/list`;
    try {
      const listPath = await getFile(context, result, url, `debian-${list}-list.txt`, {
        conditional: false,
        remember: false,
        maxBytes: context.limits.maxArchiveBytes,
      });
      if (listPath !== undefined) result.paths.push(listPath);
    } catch (error) {
      if (error instanceof PatchlineError && error.kind === 'not-found') {
        result.notes.push(`${url}: not published (fixes it would date are dated by this sync)`);
        continue;
      }
      throw error;
    }
  }
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
