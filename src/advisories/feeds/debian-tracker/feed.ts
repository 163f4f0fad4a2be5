import type { FeedSource } from '../feed-source.js';
import { unnamed } from '../unnamed.js';
import { fetchDebianTracker } from '../whole-documents.js';

// The tracker's web site does not serve the DSA and DLA lists; its git repository does. A mirror keeps them beside
// `json`.
const LISTS_UPSTREAM = 'https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/';

/** The Debian security tracker: one JSON document, `<base>/json`, and the DSA/DLA lists that date its fixes. */
export const debianTrackerFeed: FeedSource = {
  kind: 'debian-tracker',
  usage: 'debian-tracker',
  example: 'debian-tracker',
  upstream: 'https://security-tracker.debian.org/tracker/data/',
  mirrorFolder: 'debian-tracker/',
  deletionSource: 'debian-tracker',
  parse(name, at) {
    const { base, mirror } = unnamed('debian-tracker', name, at);
    return {
      id: 'debian-tracker',
      kind: 'debian-tracker',
      base,
      listsBase: mirror === undefined ? LISTS_UPSTREAM : base,
    };
  },
  sync: fetchDebianTracker,
};
