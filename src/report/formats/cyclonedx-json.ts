import { cyclonedxJson } from '../cyclonedx.js';
import { cyclonedxVexJson } from '../cyclonedx-vex.js';
import type { OutputFormat } from './output-format.js';

/** CycloneDX JSON: the SBOM of an inventory, or the VEX of a scan. */
export const cyclonedxJsonFormat: OutputFormat = {
  name: 'cyclonedx-json',
  writers: {
    scan: (result) => cyclonedxVexJson(result),
    sbom: (inventory, { cyclonedxVersion }) => `${cyclonedxJson(inventory, new Date(), cyclonedxVersion)}\n`,
  },
};
