import type { Importer, ImportResult } from '../advisory.js';
import { isRedHatCsaf } from './redhat/csaf-document.js';
import { csafRecord } from './redhat/csaf-record.js';

/**
 * Red Hat's CSAF advisories, one per RHSA (security.access.redhat.com/data/csaf/v2/advisories/<year>/rhsa-….json):
 * the fixed rpms of each product the erratum updated. The erratum's release is when its fixes became available.
 */
export const redhatCsafAdvisoryImporter: Importer = {
  source: 'redhat-csaf-advisory',

  detect(document: unknown): boolean {
    return isRedHatCsaf(document, 'csaf_security_advisory');
  },

  parse(document: unknown, input: string): ImportResult {
    return csafRecord(
      document,
      input,
      'redhat-csaf-advisory',
      (head) => ({
        id: head.tracking.id.toUpperCase(),
        // Only `fixed`: an advisory's known_not_affected lists the erratum's packages that one of its CVEs spares,
        // which the VEX document of that CVE states for every stream.
        options: { statuses: ['fixed'], fixDate: head.tracking.initial_release_date },
      }),
      (_head, id, read) => read.cves.filter((cve) => cve !== id),
    );
  },
};
