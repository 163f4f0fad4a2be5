export { coverageOf, vulnerabilitiesNamed } from './cve-coverage.js';
export type { EcosystemChoice, NoEcosystem } from './ecosystems.js';
export { ecosystemFor } from './ecosystems.js';
export type { EntryVerdict } from './evaluate-entry.js';
export { evaluateEntry } from './evaluate-entry.js';
export type {
  CveCoverage,
  Finding,
  FindingStatus,
  ScanResult,
  SuppressedFinding,
  SuppressionStatement,
} from './finding.js';
export { compareFindings, STATUS_ORDER } from './finding-order.js';
export type { AdvisoryLookup, MatchOptions } from './match.js';
export { matchInventory } from './match.js';
export type { ScanImageOptions } from './scan-image.js';
export { scanImage, scanInventory } from './scan-image.js';
export type { VexProduct, VexStatement, VexStatus } from './vex.js';
export { applyVex, MAX_VEX_BYTES, readVexFile, readVexFiles } from './vex.js';
