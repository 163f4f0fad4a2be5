import { PatchlineError } from '../core/index.js';
import { ecosystemOfOsRelease } from './importers/rpm-distribution.js';

/**
 * The publishers' download layouts, as data. A feed is one thing `db update` keeps in sync: one OSV ecosystem, Red
 * Hat's VEX collection, the Debian tracker, one Alpine branch. Each kind has its own sync routine in feeds/.
 *
 * Upstream layouts (checked against the publishers' documentation and the scanners that read them):
 * - OSV: `<base>/<Ecosystem>/all.zip`, `<base>/<Ecosystem>/modified_id.csv` (`<ISO time>,<ID>` per line, newest
 *   first) and `<base>/<Ecosystem>/<ID>.json`. Served by Google Cloud Storage, which publishes each object's MD5 in
 *   `x-goog-hash`.
 * - Red Hat CSAF VEX: `<base>/archive_latest.txt` names `csaf_vex_YYYY-MM-DD.tar.zst`; `changes.csv` and
 *   `deletions.csv` list `"YYYY/cve-YYYY-NNNN.json","<ISO time>"`, newest first; each document is
 *   `<base>/YYYY/cve-YYYY-NNNN.json`, with a `.sha256` beside it as CSAF trusted providers publish.
 * - Debian security tracker: one JSON document, `<base>/json`.
 * - Alpine secdb: `<base>/<branch>/main.json` and `<base>/<branch>/community.json`.
 * - Fedora Bodhi: `<base>/updates/?type=security&status=stable&releases=F41&rows_per_page=N&page=P[&pushed_since=T]`,
 *   JSON pages `{updates, page, pages, total}`.
 * - An rpm repository (`updateinfo:<repository URL>`): `<repo>/repodata/repomd.xml` names the updateinfo file and its
 *   checksum (`<data type="updateinfo"><checksum type="sha256">…<location href="repodata/…-updateinfo.xml.gz"/>`).
 */
export type FeedKind = 'osv' | 'redhat-vex' | 'debian-tracker' | 'alpine-secdb' | 'fedora-bodhi' | 'updateinfo';

export interface Feed {
  /** The name `--source` takes and the sync state is keyed by: `osv:AlmaLinux`, `redhat-vex`, `alpine-secdb:v3.21`. */
  id: string;
  kind: FeedKind;
  /** Where the feed's layout starts, ending in `/`. */
  base: string;
  /** OSV ecosystem (`AlmaLinux`, `Rocky Linux:9`) or Alpine branch (`v3.21`), for kinds that have one. */
  name?: string;
  /**
   * debian-tracker only: where `DSA/list` and `DLA/list` are, the only dates the tracker's data gives for a fix. The
   * tracker's web site does not serve them; its git repository does. A mirror keeps them beside `json`.
   */
  listsBase?: string;
  /** updateinfo only: the ecosystem key its errata are filed under (from `#os=ID:VERSION_ID`); absent: inferred. */
  os?: string;
}

const UPSTREAM: Record<FeedKind, string> = {
  osv: 'https://osv-vulnerabilities.storage.googleapis.com/',
  'redhat-vex': 'https://security.access.redhat.com/data/csaf/v2/vex/',
  'debian-tracker': 'https://security-tracker.debian.org/tracker/data/',
  'alpine-secdb': 'https://secdb.alpinelinux.org/',
  'fedora-bodhi': 'https://bodhi.fedoraproject.org/',
  // A repository is named by its own URL; a mirror of the publishers' feeds does not hold it.
  updateinfo: '',
};
const DEBIAN_LISTS_UPSTREAM = 'https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/';

/** Under a mirror, each kind has its own folder holding the upstream layout unchanged. */
const MIRROR_FOLDER: Record<FeedKind, string> = {
  osv: 'osv/',
  'redhat-vex': 'redhat-vex/',
  'debian-tracker': 'debian-tracker/',
  'alpine-secdb': 'alpine-secdb/',
  'fedora-bodhi': 'fedora-bodhi/',
  updateinfo: '',
};

/**
 * What `db update` fetches when no `--source` is given: the OSV ecosystems of the distributions Patchline matches by
 * OSV, each a few MB. Red Hat's VEX archive (hundreds of MB), the Debian tracker (tens of MB) and Alpine's secdb are
 * opt-in (docs/decisions/0011-feed-sync.md).
 */
export const DEFAULT_SOURCES: readonly string[] = ['osv:AlmaLinux', 'osv:Rocky Linux', 'osv:Debian', 'osv:Alpine'];

/** The env variable that points every feed at one mirror, like `--mirror`. */
export const MIRROR_ENV = 'PATCHLINE_FEED_MIRROR';

// An OSV ecosystem name as osv.dev spells them: letters, digits, spaces, dots, colons, dashes (`Rocky Linux:9`,
// `Alpine:v3.21`, `SUSE:Linux Enterprise Server 15 SP5`). Anything else could reach outside the feed's folder.
const OSV_ECOSYSTEM = /^[A-Za-z][A-Za-z0-9 .:+-]{0,99}$/;
const ALPINE_BRANCH = /^(v\d+\.\d+|edge)$/;
// Bodhi's release names: `F41`, `EPEL-9`, `EPEL-8`.
const BODHI_RELEASE = /^(F\d+|EPEL-\d+)$/;

/** Parses one `--source` name against an optional mirror base URL. */
export function parseFeed(spec: string, mirror?: string): Feed {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const kindText = colon === -1 ? text : text.slice(0, colon);
  const name = colon === -1 ? undefined : text.slice(colon + 1);
  const base = (kind: FeedKind) => (mirror === undefined ? UPSTREAM[kind] : joinBase(mirror, MIRROR_FOLDER[kind]));
  switch (kindText) {
    case 'osv':
      if (name === undefined || !OSV_ECOSYSTEM.test(name) || name.includes('..')) {
        throw new PatchlineError('usage', `--source ${spec}`, 'expected osv:<Ecosystem>, e.g. osv:AlmaLinux:9');
      }
      return { id: `osv:${name}`, kind: 'osv', base: base('osv'), name };
    case 'redhat-vex':
    case 'debian-tracker': {
      if (name !== undefined) throw new PatchlineError('usage', `--source ${spec}`, `${kindText} takes no name`);
      const feed: Feed = { id: kindText, kind: kindText, base: base(kindText) };
      if (kindText === 'debian-tracker') feed.listsBase = mirror === undefined ? DEBIAN_LISTS_UPSTREAM : feed.base;
      return feed;
    }
    case 'alpine-secdb':
      if (name === undefined || !ALPINE_BRANCH.test(name)) {
        throw new PatchlineError(
          'usage',
          `--source ${spec}`,
          'expected alpine-secdb:<branch>, e.g. alpine-secdb:v3.21',
        );
      }
      return { id: `alpine-secdb:${name}`, kind: 'alpine-secdb', base: base('alpine-secdb'), name };
    case 'fedora-bodhi':
      if (name === undefined || !BODHI_RELEASE.test(name)) {
        throw new PatchlineError('usage', `--source ${spec}`, 'expected fedora-bodhi:<release>, e.g. fedora-bodhi:F41');
      }
      return { id: `fedora-bodhi:${name}`, kind: 'fedora-bodhi', base: base('fedora-bodhi'), name };
    case 'updateinfo':
      return updateinfoFeed(spec, name);
    default:
      throw new PatchlineError(
        'usage',
        `--source ${spec}`,
        'unknown feed (known: osv:<Ecosystem>, redhat-vex, debian-tracker, alpine-secdb:<branch>, fedora-bodhi:<release>, updateinfo:<repository URL>[#os=ID:VERSION_ID])',
      );
  }
}

/**
 * The feeds `--source` names (comma-separated, repeatable; duplicates once), or the default set when none is named.
 * `mirror` (from `--mirror` or PATCHLINE_FEED_MIRROR) replaces every publisher's base URL.
 */
export function selectFeeds(sources: readonly string[], mirror?: string): Feed[] {
  if (mirror !== undefined) checkMirror(mirror);
  const specs = sources.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
  const feeds = new Map<string, Feed>();
  for (const spec of specs.length > 0 ? specs : DEFAULT_SOURCES) {
    const feed = parseFeed(spec, mirror);
    feeds.set(feed.id, feed);
  }
  return [...feeds.values()];
}

/** A URL inside a feed: each path segment is escaped (`Rocky Linux` → `Rocky%20Linux`), the slashes between kept. */
export function feedUrl(feed: Feed, ...segments: string[]): string {
  return feed.base + segments.map((s) => encodeURIComponent(s)).join('/');
}

/** Where a feed's records come from, as `db status` shows it: the feed's own folder (one line per OSV ecosystem). */
export function feedOrigin(feed: Feed): string {
  if (feed.kind === 'fedora-bodhi') return `${feed.base}updates/?releases=${feed.name}`;
  return feed.name === undefined ? feed.base : `${feedUrl(feed, feed.name)}/`;
}

/**
 * `updateinfo:https://mirror.example/ol9/baseos/#os=ol:9`: a repository root (http, https or file), and the os-release
 * ID:VERSION_ID of the images it serves, which decides the ecosystem its errata are filed under.
 */
function updateinfoFeed(spec: string, rest: string | undefined): Feed {
  const what = `--source ${spec}`;
  const [location = '', fragment] = (rest ?? '').split('#', 2);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new PatchlineError('usage', what, 'expected updateinfo:<repository URL>[#os=ID:VERSION_ID]');
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol) || url.search !== '') {
    throw new PatchlineError('usage', what, 'the repository URL must be http://, https:// or file:// without a query');
  }
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`;
  const feed: Feed = { id: `updateinfo:${base}`, kind: 'updateinfo', base };
  if (fragment !== undefined) {
    const os = /^os=(.+)$/.exec(fragment)?.[1];
    if (os === undefined)
      throw new PatchlineError('usage', what, `unknown parameter #${fragment} (expected #os=ID:VERSION_ID)`);
    feed.os = ecosystemOfOsRelease(decodeURIComponent(os), what);
  }
  return feed;
}

function checkMirror(mirror: string): void {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw new PatchlineError('usage', `--mirror ${mirror}`, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PatchlineError('usage', `--mirror ${mirror}`, 'must be an http:// or https:// URL');
  }
}

function joinBase(mirror: string, folder: string): string {
  return `${mirror.replace(/\/+$/, '')}/${folder}`;
}
