/**
 * The bottom of Patchline: the concepts every module shares (errors, durations, digests, atomic writes, bounded
 * reads, schema issues, closed lists). It depends on no other module, and every module may depend on it.
 */
export * from './atomic-write.js';
export * from './bounded-read.js';
export * from './closed-lists.js';
export * from './digest.js';
export * from './duration.js';
export * from './errors.js';
export * from './glob.js';
export * from './log.js';
export * from './schema-issue.js';
export * from './sqlite-check.js';
export * from './terminal-safe.js';
export * from './version.js';
export * from './yaml-document.js';
