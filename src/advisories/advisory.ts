import type { AdvisorySource, PackageKind } from '../core/index.js';
import type { OsvRange } from '../version/index.js';

/**
 * The advisory model every importer produces and the database stores: one record per advisory as its publisher
 * issued it (an OSV record, a Red Hat VEX document, one CVE of the Debian tracker, ...), each with the packages it
 * speaks about per ecosystem and stream. Severity is kept to be shown, never to decide.
 */

/** The publisher formats we import (the closed list is core's). Each has its own importer in advisories/importers/. */
export type { AdvisorySource } from '../core/index.js';

/** How the publisher states a package's relation to the advisory. */
export type AffectedStatus =
  /** A fix is published: `fixedVersion` and/or `ranges` say which versions lack it. */
  | 'fixed'
  /** Affected, no fix published yet. */
  | 'affected'
  /** Red Hat: fix deferred. */
  | 'fix-deferred'
  /** Red Hat "Will not fix"; Debian `<ignored>`/`<no-dsa>` with no fix planned; Debian `unimportant`. */
  | 'will-not-fix'
  /** Red Hat "Out of support scope". */
  | 'out-of-support'
  /** The publisher says this package in this stream is not affected. */
  | 'not-affected';

/** Which kind of package name `package` is: matched against Package.name or Package.sourceName. */
export type PackageNameKind = 'binary' | 'source';

export type VersionScheme = PackageKind;

/**
 * One package of one ecosystem and stream an advisory speaks about.
 * `ecosystem` is the key matching starts from, written as OSV writes ecosystems with the release reduced to what an
 * image's os-release identifies: `AlmaLinux:8`, `Rocky Linux:9`, `Red Hat:9` (every RHEL 9 product stream, from its
 * CPE), `Debian:12`, `Ubuntu:22.04`, `Alpine:v3.21`, `Fedora:40`, `Wolfi`, `Chainguard`, `SUSE:...`.
 */
export interface AffectedPackage {
  ecosystem: string;
  /** The publisher's finer stream when it has one: a Red Hat CPE (`cpe:/a:redhat:enterprise_linux:9::appstream`), a Debian codename. */
  stream?: string;
  scheme: VersionScheme;
  package: string;
  nameKind: PackageNameKind;
  /** rpm module stream the fix belongs to (`nodejs:18`); a package installed from another stream or none does not match. */
  module?: string;
  /** Architectures the entry is limited to; absent means all. */
  arches?: string[];
  status: AffectedStatus;
  /** OSV-style ranges when the publisher gives them. */
  ranges?: OsvRange[];
  /** Exact affected versions (OSV `versions`). */
  versions?: string[];
  /**
   * The first version with the fix, in the package's scheme (rpm `[E:]V-R`, deb, apk). With no `ranges`, a status of
   * `fixed` means: every version below this one lacks the fix.
   */
  fixedVersion?: string;
  /** The advisory that ships the fix, when it is not the record itself (an RHSA inside a VEX document). */
  fixAdvisory?: string;
  /**
   * When the fix became available, ISO 8601: the fix advisory's release date, else the record's publication; absent
   * when the source gives none (the database then records the first sync that saw the fix).
   */
  fixAvailableSince?: string;
}

export interface AdvisoryRecord {
  /** The publisher's id: `ALSA-2024:0001`, `CVE-2023-38545` (a Red Hat VEX document), `DSA-3029-1`, `FEDORA-2023-...`. */
  id: string;
  source: AdvisorySource;
  /** CVE and advisory aliases both ways (OSV `aliases` + `related` CVEs, RHSA ids in a VEX document, ...), sorted, unique. */
  aliases: string[];
  summary?: string;
  /** As published (`Important`, `high`, `CVSS:3.1/...`): shown, never used to decide. */
  severity?: string;
  published?: string;
  modified?: string;
  /** OSV `withdrawn`: a withdrawn record never produces findings. */
  withdrawn?: string;
  references?: string[];
  affected: AffectedPackage[];
}

/** A record an importer could not take: reported and skipped, never stored. */
export interface ImportProblem {
  /** The file (and entry inside an archive: `all.zip!ALSA-2024:0001.json`). */
  input: string;
  /** JSON pointer or key path inside the input, when known. */
  at?: string;
  problem: string;
}

export interface ImportResult {
  records: AdvisoryRecord[];
  problems: ImportProblem[];
  /** Ids the source says were deleted (Red Hat deletions.csv, OSV withdrawn-and-removed). */
  deletions?: string[];
}

/**
 * One publisher format. The import pipeline offers it each document (a file, or an entry of a zip/tar archive) whose
 * shape `detect` accepts, parsed once as JSON or YAML by the pipeline.
 */
export interface Importer {
  source: AdvisorySource;
  /** Cheap check of a parsed document's shape (and its name, e.g. `cve-2024-1234.json`). */
  detect(document: unknown, name: string): boolean;
  /** Turn one document into records; problems for records that could not be read, never a throw for bad data. */
  parse(document: unknown, input: string): ImportResult;
}
