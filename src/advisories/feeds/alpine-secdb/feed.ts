import { PatchlineError } from '../../../errors.js';
import type { FeedSource } from '../feed-source.js';
import { fetchAlpineSecdb } from '../whole-documents.js';

const ALPINE_BRANCH = /^(v\d+\.\d+|edge)$/;

/** Alpine secdb: `<base>/<branch>/main.json` and `<base>/<branch>/community.json`. */
export const alpineSecdbFeed: FeedSource = {
  kind: 'alpine-secdb',
  usage: 'alpine-secdb:<branch>',
  example: 'alpine-secdb:v3.21',
  upstream: 'https://secdb.alpinelinux.org/',
  mirrorFolder: 'alpine-secdb/',
  deletionSource: 'alpine-secdb',
  parse(name, { spec, base }) {
    if (name === undefined || !ALPINE_BRANCH.test(name)) {
      throw new PatchlineError('usage', `--source ${spec}`, 'expected alpine-secdb:<branch>, e.g. alpine-secdb:v3.21');
    }
    return { id: `alpine-secdb:${name}`, kind: 'alpine-secdb', base, name };
  },
  sync: fetchAlpineSecdb,
};
