export { type GeneratedFile, hostFiles } from './host-files.js';
export { gatewayImage, type HostFilesInput, type HostFilesOptions, hostFilesOptionsSchema } from './host-options.js';
export { HOST_PATHS } from './host-paths.js';
export { writeHostFiles } from './write-host-files.js';
