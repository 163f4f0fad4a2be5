export * from './errors.js';
export * as fleet from './fleet/index.js';
export * from './inventory/index.js';
export * from './oci/index.js';
export * as policy from './policy/index.js';
export * from './report/index.js';
export * from './rootfs/index.js';
export * as scan from './scan/index.js';
export * from './version/index.js';
