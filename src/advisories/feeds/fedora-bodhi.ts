import { readFile } from 'node:fs/promises';
import { PatchlineError } from '../../core/index.js';
import { isObject } from '../importers/import-problem.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile } from './feed-fetch.js';

/**
 * One Fedora (or EPEL) release's stable security updates from Bodhi's API, page by page. The first sync takes them
 * all; later syncs ask only for updates pushed since the newest push the previous sync saw (`pushed_since`), which
 * Bodhi's update query takes. The pages are imported by the Bodhi importer, which already reads a page of `/updates/`.
 */

/** Bodhi's largest page. */
const ROWS_PER_PAGE = 100;
/** 100 pages of 100 is more security updates than any Fedora release has had; more is a server going round in circles. */
const MAX_PAGES = 1000;
const BODHI_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/;

export function bodhiPageUrl(base: string, release: string, page: number, since: string | undefined): string {
  const query = new URLSearchParams({
    type: 'security',
    status: 'stable',
    releases: release,
    rows_per_page: String(ROWS_PER_PAGE),
    page: String(page),
  });
  // Bodhi reads its dates as ISO 8601 without a zone, in UTC.
  if (since !== undefined) query.set('pushed_since', since.replace(/\.\d+Z$|Z$/, ''));
  return `${base}updates/?${query.toString()}`;
}

export async function fetchFedoraBodhi(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  const release = context.feed.name!;
  const since = context.previous?.watermark;
  let newest = since;
  let pages = 1;
  for (let page = 1; page <= pages; page++) {
    const url = bodhiPageUrl(context.feed.base, release, page, since);
    const options = { conditional: false, remember: false, maxBytes: context.limits.maxDocumentBytes };
    const path = (await getFile(context, result, url, `bodhi-${release}-page-${page}.json`, options))!;
    let document: unknown;
    try {
      document = JSON.parse(await readFile(path, 'utf8'));
    } catch {
      throw new PatchlineError('input', url, 'is not JSON');
    }
    if (!isObject(document) || !Array.isArray(document.updates) || typeof document.pages !== 'number') {
      throw new PatchlineError('input', url, 'is not a page of Bodhi updates ({updates, page, pages})');
    }
    if (!Number.isInteger(document.pages) || document.pages > MAX_PAGES) {
      throw new PatchlineError('limit', url, `says there are ${document.pages} pages (at most ${MAX_PAGES} are read)`);
    }
    pages = document.pages;
    if (document.updates.length > 0) result.paths.push(path);
    for (const update of document.updates) {
      const pushed = isObject(update) ? (update.date_pushed ?? update.date_stable) : undefined;
      const match = typeof pushed === 'string' ? BODHI_TIME.exec(pushed) : null;
      if (match === null) continue;
      const time = `${match[1]}T${match[2]}Z`;
      if (newest === undefined || time > newest) newest = time;
    }
  }
  if (newest !== undefined) result.watermark = newest;
  return result;
}
