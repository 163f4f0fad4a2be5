export * from './errors.js';
export * from './oci/index.js';
export * from './rootfs/index.js';
