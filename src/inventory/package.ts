import type { PackageKind } from '../core/index.js';
import type { Digest } from '../oci/index.js';

/** The package manager whose database recorded a package (core's closed list). */
export type PackageType = PackageKind;

/**
 * One installed package as its package database records it. Fields are the database's own, unnormalised: matching
 * advisories depends on exact versions (an rpm epoch of 0 and no epoch at all are different records in the database,
 * though they order the same).
 */
export interface Package {
  type: PackageType;
  name: string;
  /** rpm EPOCH, or the epoch part of a Debian version; absent when the database has none. */
  epoch?: number;
  /** rpm VERSION; Debian upstream version with revision as the database writes it (`2.36-9+deb12u4`); apk version. */
  version: string;
  /** rpm RELEASE; absent for deb and apk. */
  release?: string;
  arch?: string;
  /** Source package: rpm's from SOURCERPM, dpkg's Source field (or the package itself), apk's origin. */
  sourceName?: string;
  sourceVersion?: string;
  /** rpm SOURCERPM as recorded (`bash-5.2.15-2.fc38.src.rpm`). */
  sourceRpm?: string;
  /** rpm MODULARITYLABEL (`nodejs:18:8090020230810123456:a75119d5`). */
  modularityLabel?: string;
  license?: string;
  vendor?: string;
  /** Installed size in bytes, as recorded. */
  size?: number;
  /** rpm SIGMD5 as hex. */
  sigmd5?: string;
  /** Paths the package installed, root-relative, when the database lists them. */
  files?: string[];
  /** Package URL (purl-spec). */
  purl: string;
  /** The database file this record came from, root-relative. */
  source: string;
  /** The layer that introduced the package (where its files sit in the merged tree); absent for a plain folder. */
  layer?: { index: number; digest: Digest };
}

/** The evidence when a database could be read only in part: what broke, and where. */
export interface CatalogProblem {
  /** The database file, root-relative. */
  path: string;
  message: string;
}
