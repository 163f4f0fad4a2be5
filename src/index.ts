export * as advisories from './advisories/index.js';
export {
  createLogger,
  type ErrorKind,
  isPatchlineError,
  type Logger,
  type LogLevel,
  PatchlineError,
  setLogger,
} from './core/index.js';
export * as fleet from './fleet/index.js';
export * as host from './host/index.js';
export * from './inventory/index.js';
export * from './oci/index.js';
export * as policy from './policy/index.js';
export * from './report/index.js';
export * from './rootfs/index.js';
export * as scan from './scan/index.js';
export * as server from './server/index.js';
export * as store from './store/index.js';
export * from './version/index.js';
