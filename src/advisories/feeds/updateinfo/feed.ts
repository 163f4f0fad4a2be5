import { PatchlineError } from '../../../errors.js';
import type { Feed } from '../../feeds.js';
import { ecosystemOfOsRelease } from '../../importers/rpm-distribution.js';
import { createUpdateinfoImporter, type UpdateinfoOptions } from '../../importers/updateinfo.js';
import type { FeedSource } from '../feed-source.js';
import { fetchUpdateinfo } from '../updateinfo.js';

/**
 * An rpm repository (`updateinfo:<repository URL>`): `<repo>/repodata/repomd.xml` names the updateinfo file and its
 * checksum (`<data type="updateinfo"><checksum type="sha256">…<location href="repodata/…-updateinfo.xml.gz"/>`).
 * A repository is named by its own URL; a mirror of the publishers' feeds does not hold it.
 */
export const updateinfoFeed: FeedSource = {
  kind: 'updateinfo',
  usage: 'updateinfo:<repository URL>[#os=ID:VERSION_ID]',
  example: 'updateinfo:https://yum.oracle.com/repo/OracleLinux/OL9/baseos/latest/x86_64/#os=ol:9',
  upstream: '',
  mirrorFolder: '',
  deletionSource: 'updateinfo',
  parse: (name, { spec }) => repositoryFeed(spec, name),
  sync: fetchUpdateinfo,
  // Its errata go under the ecosystem its `#os=` named, each entry marked with the repository, so that what other
  // repositories said of the same erratum is kept.
  importers(feed, db) {
    const options: UpdateinfoOptions = {
      repository: feed.base,
      storedEntries: (id) => db.storedAffected('updateinfo', id),
    };
    if (feed.os !== undefined) options.ecosystem = feed.os;
    return [createUpdateinfoImporter(options)];
  },
};

/**
 * `updateinfo:https://mirror.example/ol9/baseos/#os=ol:9`: a repository root (http, https or file), and the os-release
 * ID:VERSION_ID of the images it serves, which decides the ecosystem its errata are filed under.
 */
function repositoryFeed(spec: string, rest: string | undefined): Feed {
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
