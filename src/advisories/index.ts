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
export type { ExportResult } from './database-file.js';
export { exportDatabase, importDatabaseFile, isSqliteFile } from './database-file.js';
export { SCHEMA_VERSION } from './database-schema.js';
export type { ImportOptions, ImportReport, SourceImport } from './import-paths.js';
export { importPaths } from './import-paths.js';
export { IMPORTERS } from './importers/index.js';
