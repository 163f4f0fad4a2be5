export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const OCI_LAYER_NONDIST_TAR = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const OCI_LAYER_NONDIST_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const OCI_LAYER_NONDIST_ZSTD = 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const DOCKER_LAYER_FOREIGN_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

export const MANIFEST_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST] as const;
export const INDEX_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST] as const;
/** What we send in Accept for a manifest request: every manifest and index type we read. */
export const MANIFEST_ACCEPT = [...MANIFEST_TYPES, ...INDEX_TYPES].join(', ');

export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_COMPRESSION: Record<string, Compression> = {
  [OCI_LAYER_TAR]: 'none',
  [OCI_LAYER_GZIP]: 'gzip',
  [OCI_LAYER_ZSTD]: 'zstd',
  [OCI_LAYER_NONDIST_TAR]: 'none',
  [OCI_LAYER_NONDIST_GZIP]: 'gzip',
  [OCI_LAYER_NONDIST_ZSTD]: 'zstd',
  [DOCKER_LAYER_GZIP]: 'gzip',
  [DOCKER_LAYER_FOREIGN_GZIP]: 'gzip',
  [DOCKER_LAYER_TAR]: 'none',
};

/** The compression a layer media type declares, or undefined when the type is not a layer type we know. */
export function layerCompression(mediaType: string): Compression | undefined {
  return LAYER_COMPRESSION[mediaType];
}

export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && (INDEX_TYPES as readonly string[]).includes(mediaType);
}
