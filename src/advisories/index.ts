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
export { buildInCopy } from './build-in-copy.js';
export type {
  AffectedMatch,
  DatabaseStatus,
  DatabaseSummary,
  OpenOptions,
  SourceStatus,
  WriteSummary,
} from './database.js';
export { AdvisoryDatabase } from './database.js';
export type { ExportResult } from './database-file.js';
export { exportDatabase, importDatabaseFile, isSqliteFile } from './database-file.js';
export { SCHEMA_VERSION } from './database-schema.js';
export type { HttpOptions } from './download.js';
export type { FeedLocation, FeedSource } from './feeds/feed-source.js';
export { FEED_SOURCES, feedUsages } from './feeds/registry.js';
export type { Feed, FeedKind } from './feeds.js';
export { DEFAULT_SOURCES, MIRROR_ENV, parseFeed, selectFeeds } from './feeds.js';
export type { ImportOptions, ImportReport, SourceImport } from './import-paths.js';
export { importPaths } from './import-paths.js';
export { IMPORTERS, rpmRepositoryImporters } from './importers/index.js';
export type { PulledDatabase, PullOptions, PushedDatabase } from './oci-artifact.js';
export { ARTIFACT_TYPE, LAYER_TYPE, pullDatabase, pushDatabase } from './oci-artifact.js';
export type { FeedReport, UpdateOptions, UpdateResult } from './sync.js';
export { DEFAULT_FEED_LIMITS, updateDatabase } from './sync.js';
export { syncStatePath } from './sync-state.js';
