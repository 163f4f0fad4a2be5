import type { Importer } from '../advisory.js';

// Placeholder while the importer is being built; replaced by its real implementation before it lands.
export const alpineSecdbImporter: Importer = {
  source: 'alpine-secdb',
  detect: () => false,
  parse: () => ({ records: [], problems: [] }),
};
