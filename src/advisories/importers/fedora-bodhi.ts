import type { Importer } from '../advisory.js';

// Placeholder while the importer is being built; replaced by its real implementation before it lands.
export const fedoraBodhiImporter: Importer = {
  source: 'fedora-bodhi',
  detect: () => false,
  parse: () => ({ records: [], problems: [] }),
};
