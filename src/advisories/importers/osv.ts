import type { Importer } from '../advisory.js';

// Placeholder while the importer is being built; replaced by its real implementation before it lands.
export const osvImporter: Importer = {
  source: 'osv',
  detect: () => false,
  parse: () => ({ records: [], problems: [] }),
};
