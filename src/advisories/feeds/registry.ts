import { alpineSecdbFeed } from './alpine-secdb/feed.js';
import { debianTrackerFeed } from './debian-tracker/feed.js';
import { fedoraBodhiFeed } from './fedora-bodhi/feed.js';
import type { FeedSource } from './feed-source.js';
import { osvFeed } from './osv/feed.js';
import { redhatVexFeed } from './redhat-vex/feed.js';
import { updateinfoFeed } from './updateinfo/feed.js';

/** Every kind of feed `db update --source` knows, in the order help and errors list them: one line each. */
export const FEED_SOURCES: readonly FeedSource[] = [
  osvFeed,
  redhatVexFeed,
  debianTrackerFeed,
  alpineSecdbFeed,
  fedoraBodhiFeed,
  updateinfoFeed,
];

/** The feed kind `--source` names, or undefined. */
export function feedSource(kind: string): FeedSource | undefined {
  return FEED_SOURCES.find((source) => source.kind === kind);
}

/** How `--source` spells each kind, for help and errors. */
export function feedUsages(): string {
  return FEED_SOURCES.map((source) => source.usage).join(', ');
}
