export type {
  AdvisoryRecord,
  AdvisorySource,
  AffectedPackage,
  AffectedStatus,
  Importer,
  ImportProblem,
  ImportResult,
  PackageNameKind,
  VersionScheme,
} from './advisory.js';
export type { AffectedMatch, DatabaseStatus, OpenOptions, SourceStatus, WriteSummary } from './database.js';
export { AdvisoryDatabase } from './database.js';
export { SCHEMA_VERSION } from './database-schema.js';
export { IMPORTERS } from './importers/index.js';
