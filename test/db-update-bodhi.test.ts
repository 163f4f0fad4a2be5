import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { bodhiPageUrl } from '../src/advisories/feeds/fedora-bodhi.js';
import { parseFeed } from '../src/advisories/feeds.js';
import { type UpdateOptions, updateDatabase } from '../src/advisories/sync.js';
import { readSyncState } from '../src/advisories/sync-state.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';
import { tempDir } from './helpers/tmp.js';

/*
 * `db update --source fedora-bodhi:F21` against a local server replaying Bodhi's update list. The updates are the real
 * Bodhi records in ../shared/fixtures/vuln/fedora-bodhi (Fedora 21's two: FEDORA-2014-15583, FEDORA-2015-3186); the
 * page envelope around them (`{updates, page, pages, rows_per_page, total}`) is Bodhi's list shape, put together here,
 * one update per page so that paging is exercised. The server answers only the exact query each page is asked with.
 */
const BODHI = resolve(import.meta.dirname, '../../shared/fixtures/vuln/fedora-bodhi');
const HAVE_SHARED = existsSync(BODHI);
const quick: UpdateOptions['http'] = { attempts: 1, clock: { sleep: async () => undefined } };

function page(updates: unknown[], number: number, pages: number): string {
  return JSON.stringify({ updates, page: number, pages, rows_per_page: 100, total: pages });
}

/** The path and query the server is asked for (`/fedora-bodhi/updates/?...`). */
function served(url: string): string {
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`;
}

describe.skipIf(!HAVE_SHARED)(`db update: Fedora Bodhi${HAVE_SHARED ? '' : ' (skipped: ../shared is absent)'}`, () => {
  let server: FeedServer;
  let work: string;
  let updates: unknown[];

  beforeAll(async () => {
    server = await startFeedServer();
    work = await tempDir('patchline-bodhi-');
    updates = await Promise.all(
      ['FEDORA-2014-15583.json', 'FEDORA-2015-3186.json'].map(
        async (name) => JSON.parse(await readFile(join(BODHI, name), 'utf8')) as unknown,
      ),
    );
  });

  afterAll(async () => {
    await server.close();
  });

  it('takes every page of a release first, then only the updates pushed since the newest one it saw', async () => {
    const feed = parseFeed('fedora-bodhi:F21', server.url);
    expect(feed.base).toBe(`${server.url}/fedora-bodhi/`);
    const first = [1, 2].map((n) => served(bodhiPageUrl(feed.base, 'F21', n, undefined)));
    server.put(first[0]!, page([updates[0]], 1, 2));
    server.put(first[1]!, page([updates[1]], 2, 2));
    const db = join(work, 'bodhi.db');

    const result = await updateDatabase(db, [feed], { http: quick });
    expect(result.feeds).toEqual([{ feed: 'fedora-bodhi:F21', files: 2, deletions: 0, verified: 0, notes: [] }]);
    expect(result).toMatchObject({ added: 2, problems: [] });
    expect(first[0]).toContain('type=security&status=stable&releases=F21&rows_per_page=100&page=1');
    const state = await readSyncState(db);
    // FEDORA-2015-3186 was pushed on 2015-03-26 21:44:21 (UTC), the newer of the two.
    expect(state.feeds['fedora-bodhi:F21']?.watermark).toBe('2015-03-26T21:44:21Z');
    const store = AdvisoryDatabase.open(db, { readonly: true });
    try {
      const ids = store.lookup('Fedora:21', ['drupal7', 'dokuwiki']).map((match) => match.advisory.id);
      expect(ids.sort()).toEqual(['FEDORA-2014-15583', 'FEDORA-2015-3186']);
    } finally {
      store.close();
    }

    // The next run asks only for what was pushed since; Bodhi's answer still holds the boundary update.
    const next = served(bodhiPageUrl(feed.base, 'F21', 1, '2015-03-26T21:44:21Z'));
    expect(next).toContain('pushed_since=2015-03-26T21%3A44%3A21');
    server.put(next, page([updates[1]], 1, 1));
    const again = await updateDatabase(db, [feed], { http: quick });
    expect(again).toMatchObject({ added: 0, updated: 0, problems: [] });
    expect(server.log.filter((request) => request.path === '/fedora-bodhi/updates/')).toHaveLength(3);
  });

  it('fails the feed on a page that is not a page of updates, and names a release it does not know', async () => {
    const feed = parseFeed('fedora-bodhi:F40', server.url);
    server.put(served(bodhiPageUrl(feed.base, 'F40', 1, undefined)), '{"errors": [{"name": "releases"}]}');
    const result = await updateDatabase(join(work, 'bad.db'), [feed], { http: quick });
    expect(result.feeds[0]?.error).toMatch(/releases=F40.*: is not a page of Bodhi updates/);
    expect(() => parseFeed('fedora-bodhi:rawhide')).toThrow(/expected fedora-bodhi:<release>, e.g. fedora-bodhi:F41/);
  });
});
