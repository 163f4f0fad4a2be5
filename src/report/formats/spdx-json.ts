import { spdxJson } from '../spdx.js';
import type { OutputFormat } from './output-format.js';

/** SPDX 2.3 JSON SBOM. */
export const spdxJsonFormat: OutputFormat = {
  name: 'spdx-json',
  writers: { sbom: (inventory) => spdxJson(inventory) },
};
