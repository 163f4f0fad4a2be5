import type { Importer, ImportResult } from '../advisory.js';
import { isRedHatCsaf } from './redhat/csaf-document.js';
import { csafRecord } from './redhat/csaf-record.js';

/**
 * Red Hat's CSAF VEX documents, one per CVE (security.access.redhat.com/data/csaf/v2/vex/<year>/cve-….json): every
 * RHEL stream's status for every component, fixed ones with the RHSA that shipped the fix and its date.
 */
export const redhatCsafVexImporter: Importer = {
  source: 'redhat-csaf-vex',

  detect(document: unknown): boolean {
    return isRedHatCsaf(document, 'csaf_vex');
  },

  parse(document: unknown, input: string): ImportResult {
    return csafRecord(
      document,
      input,
      'redhat-csaf-vex',
      (head) => ({
        id: head.tracking.id.toUpperCase(),
        options: { statuses: ['fixed', 'known_affected', 'known_not_affected', 'under_investigation'] },
      }),
      // The RHSAs that shipped a fix, and any other CVE the document speaks about; not the record's own id.
      (_head, id, read) => [...new Set([...read.fixAdvisories, ...read.cves])].filter((alias) => alias !== id).sort(),
    );
  },
};
