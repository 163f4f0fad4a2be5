import type { Importer } from '../advisory.js';

// Placeholder while the importer is being built; replaced by its real implementation before it lands.
export const redhatCsafAdvisoryImporter: Importer = {
  source: 'redhat-csaf-advisory',
  detect: () => false,
  parse: () => ({ records: [], problems: [] }),
};
