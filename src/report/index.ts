export { type CyclonedxVersion, cyclonedxBom, cyclonedxJson, validateCyclonedx } from './cyclonedx.js';
export { inventoryJson } from './inventory-json.js';
export { inventoryTable } from './inventory-table.js';
export { type SpdxDocument, spdxDocument, spdxJson } from './spdx.js';
