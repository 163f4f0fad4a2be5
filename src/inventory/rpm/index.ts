export { readBerkeleyDb } from './bdb.js';
export { type ByteSource, bufferSource, fileSource } from './byte-source.js';
export { rpmCataloger } from './cataloger.js';
export { RpmHeader, RpmTag } from './header.js';
export { readNdb } from './ndb.js';
export { packageFromHeader, rpmNamespace } from './package-record.js';
export type { HeaderRecord, ReadProblems } from './records.js';
export { parseSourceRpm, type SourceRpm } from './source-rpm.js';
export { type FileBytes, readSqlite } from './sqlite.js';
