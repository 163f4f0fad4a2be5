import { PatchlineError } from '../../../errors.js';
import { fetchFedoraBodhi } from '../fedora-bodhi.js';
import type { FeedSource } from '../feed-source.js';

// Bodhi's release names: `F41`, `EPEL-9`, `EPEL-8`.
const BODHI_RELEASE = /^(F\d+|EPEL-\d+)$/;

/**
 * Fedora Bodhi: `<base>/updates/?type=security&status=stable&releases=F41&rows_per_page=N&page=P[&pushed_since=T]`,
 * JSON pages `{updates, page, pages, total}`.
 */
export const fedoraBodhiFeed: FeedSource = {
  kind: 'fedora-bodhi',
  usage: 'fedora-bodhi:<release>',
  example: 'fedora-bodhi:EPEL-9',
  upstream: 'https://bodhi.fedoraproject.org/',
  mirrorFolder: 'fedora-bodhi/',
  deletionSource: 'fedora-bodhi',
  parse(name, { spec, base }) {
    if (name === undefined || !BODHI_RELEASE.test(name)) {
      throw new PatchlineError('usage', `--source ${spec}`, 'expected fedora-bodhi:<release>, e.g. fedora-bodhi:F41');
    }
    return { id: `fedora-bodhi:${name}`, kind: 'fedora-bodhi', base, name };
  },
  sync: fetchFedoraBodhi,
  origin: (feed) => `${feed.base}updates/?releases=${feed.name}`,
};
