import { PatchlineError } from '../../../errors.js';
import type { FeedSource } from '../feed-source.js';
import { fetchOsv } from '../osv.js';

// An OSV ecosystem name as osv.dev spells them: letters, digits, spaces, dots, colons, dashes (`Rocky Linux:9`,
// `Alpine:v3.21`, `SUSE:Linux Enterprise Server 15 SP5`). Anything else could reach outside the feed's folder.
const OSV_ECOSYSTEM = /^[A-Za-z][A-Za-z0-9 .:+-]{0,99}$/;

/**
 * One OSV ecosystem: `<base>/<Ecosystem>/all.zip`, `<base>/<Ecosystem>/modified_id.csv` (`<ISO time>,<ID>` per line,
 * newest first) and `<base>/<Ecosystem>/<ID>.json`. Served by Google Cloud Storage, which publishes each object's MD5
 * in `x-goog-hash`.
 */
export const osvFeed: FeedSource = {
  kind: 'osv',
  usage: 'osv:<Ecosystem>',
  example: 'osv:Rocky Linux:9',
  upstream: 'https://osv-vulnerabilities.storage.googleapis.com/',
  mirrorFolder: 'osv/',
  deletionSource: 'osv',
  parse(name, { spec, base }) {
    if (name === undefined || !OSV_ECOSYSTEM.test(name) || name.includes('..')) {
      throw new PatchlineError('usage', `--source ${spec}`, 'expected osv:<Ecosystem>, e.g. osv:AlmaLinux:9');
    }
    return { id: `osv:${name}`, kind: 'osv', base, name };
  },
  sync: fetchOsv,
};
