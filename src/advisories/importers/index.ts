import type { Importer } from '../advisory.js';
import { alpineSecdbImporter } from './alpine-secdb.js';
import { debianTrackerImporter } from './debian-tracker.js';
import { fedoraBodhiImporter } from './fedora-bodhi.js';
import { osvImporter } from './osv.js';
import { redhatCsafAdvisoryImporter } from './redhat-csaf-advisory.js';
import { redhatCsafVexImporter } from './redhat-csaf-vex.js';

/** Every publisher format, in the order the import pipeline asks them whether a document is theirs. */
export const IMPORTERS: readonly Importer[] = [
  osvImporter,
  redhatCsafVexImporter,
  redhatCsafAdvisoryImporter,
  debianTrackerImporter,
  alpineSecdbImporter,
  fedoraBodhiImporter,
];
