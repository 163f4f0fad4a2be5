import type { Importer } from '../advisory.js';
import { alpineSecdbImporter } from './alpine-secdb.js';
import { debianTrackerImporter } from './debian-tracker.js';
import { fedoraBodhiImporter } from './fedora-bodhi.js';
import { osvImporter } from './osv.js';
import { redhatCsafAdvisoryImporter } from './redhat-csaf-advisory.js';
import { redhatCsafVexImporter } from './redhat-csaf-vex.js';
import { ecosystemOfOsRelease } from './rpm-distribution.js';
import { createUpdateinfoImporter, updateinfoImporter } from './updateinfo.js';

/** Every publisher format, in the order the import pipeline asks them whether a document is theirs. */
export const IMPORTERS: readonly Importer[] = [
  osvImporter,
  redhatCsafVexImporter,
  redhatCsafAdvisoryImporter,
  debianTrackerImporter,
  alpineSecdbImporter,
  fedoraBodhiImporter,
  updateinfoImporter,
];

/** Every importer, with updateinfo errata filed under the ecosystem of the os-release `ID:VERSION_ID` given. */
export function rpmRepositoryImporters(osRelease: string, what: string): Importer[] {
  const updateinfo = createUpdateinfoImporter({ ecosystem: ecosystemOfOsRelease(osRelease, what) });
  return IMPORTERS.map((importer) => (importer === updateinfoImporter ? updateinfo : importer));
}
