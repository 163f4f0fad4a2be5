import type { FileRequest, FoundFile } from '../rootfs/index.js';
import type { OperatingSystem } from './os.js';
import type { CatalogProblem, Package } from './package.js';

export interface CatalogContext {
  /** The image's operating system, for purl qualifiers (`distro=fedora-42`) and namespaces. */
  os?: OperatingSystem;
}

export interface CatalogResult {
  packages: Package[];
  /** Databases that were found but could be read only in part (corrupt, truncated). Their packages are still listed. */
  problems: CatalogProblem[];
  /** Databases found, root-relative, even when empty. */
  databases: string[];
}

/**
 * A reader of one package manager's database. It declares the files it needs; the inventory asks the file tree for all
 * catalogers' files in one pass over the layers, then hands each cataloger the ones it asked for.
 */
export interface Cataloger {
  readonly name: 'rpm' | 'dpkg' | 'apk';
  readonly requests: FileRequest[];
  catalog(files: FoundFile[], context: CatalogContext): Promise<CatalogResult>;
}
