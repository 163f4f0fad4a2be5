export type { BootcDetection, BootcEvidence } from './bootc.js';
export { detectBootc } from './bootc.js';
export type { CatalogContext, Cataloger, CatalogResult } from './cataloger.js';
export { fullVersion } from './full-version.js';
export { catalogers, inventoryOf, readInventory } from './inventory.js';
export type { Inventory, InventoryTarget } from './inventory-types.js';
export type { Kernel } from './kernel.js';
export type { OperatingSystem } from './os.js';
export type { CatalogProblem, Package, PackageType } from './package.js';
