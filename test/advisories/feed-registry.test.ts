import { describe, expect, it } from 'vitest';
import { FEED_SOURCES } from '../../src/advisories/feeds/registry.js';
import { feedOrigin, parseFeed, selectFeeds } from '../../src/advisories/feeds.js';
import { dbUpdateCommand } from '../../src/cli/index.js';
import { PatchlineError } from '../../src/core/index.js';

describe('the feed registry', () => {
  it('registers each kind once', () => {
    const kinds = FEED_SOURCES.map((source) => source.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  for (const source of FEED_SOURCES) {
    describe(source.kind, () => {
      it('parses its example into a feed of its kind whose id parses back to the same id', () => {
        const feed = parseFeed(source.example);
        expect(feed.kind).toBe(source.kind);
        // The sync state is keyed by the id, so an id that parsed differently would lose the incremental state.
        expect(parseFeed(feed.id).id).toBe(feed.id);
        expect(selectFeeds([`${source.example},${source.example}`])).toEqual([feed]);
        expect(feedOrigin(feed)).toMatch(/^(https?|file):\/\//);
      });

      it('reads the publisher upstream, or its own folder under a mirror', () => {
        const upstream = parseFeed(source.example);
        const mirrored = parseFeed(source.example, 'https://mirror.example/feeds/');
        if (source.mirrorFolder === '') {
          // Named by its own URL: a mirror of the publishers does not hold it.
          expect(mirrored.base).toBe(upstream.base);
        } else {
          expect(upstream.base).toBe(source.upstream);
          expect(mirrored.base).toBe(`https://mirror.example/feeds/${source.mirrorFolder}`);
        }
      });

      it('is listed by `db update --help` and by the error for an unknown feed', () => {
        expect(dbUpdateCommand().helpInformation().replace(/\s+/g, ' ')).toContain(source.usage);
        let error: unknown;
        try {
          parseFeed('nvd');
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(PatchlineError);
        expect((error as Error).message).toContain(source.usage);
      });
    });
  }
});
