import type { FeedSource } from '../feed-source.js';
import { fetchRedhatVex } from '../redhat-vex.js';
import { unnamed } from '../unnamed.js';

/**
 * Red Hat CSAF VEX: `<base>/archive_latest.txt` names `csaf_vex_YYYY-MM-DD.tar.zst`; `changes.csv` and
 * `deletions.csv` list `"YYYY/cve-YYYY-NNNN.json","<ISO time>"`, newest first; each document is
 * `<base>/YYYY/cve-YYYY-NNNN.json`, with a `.sha256` beside it as CSAF trusted providers publish.
 */
export const redhatVexFeed: FeedSource = {
  kind: 'redhat-vex',
  usage: 'redhat-vex',
  example: 'redhat-vex',
  upstream: 'https://security.access.redhat.com/data/csaf/v2/vex/',
  mirrorFolder: 'redhat-vex/',
  deletionSource: 'redhat-csaf-vex',
  parse: (name, at) => ({ id: 'redhat-vex', kind: 'redhat-vex', base: unnamed('redhat-vex', name, at).base }),
  sync: fetchRedhatVex,
};
