/**
 * One VEX statement, whatever format it came in (OpenVEX, CycloneDX VEX, CSAF VEX): which vulnerability, which
 * products, what status. Formats are read into this model by vex-openvex.ts, vex-cyclonedx.ts and vex-csaf.ts.
 */
export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

/**
 * What a statement is about. Every field given must match:
 * - `purl`: a package; a statement purl without version or qualifiers matches every version or qualifier;
 * - `image`: the scanned image (an OCI purl or an image reference); alone, it means every package in the image;
 * - `platformCpe`: the OS the package runs on (CSAF's "component of" relationships), matched by vendor and major version.
 */
export interface VexProduct {
  purl?: string;
  image?: string;
  platformCpe?: string;
}

export interface VexStatement {
  /** The file the statement came from. */
  source: string;
  /** Where in the file (a JSON path), for messages. */
  at: string;
  /** The vulnerability's id and aliases as written (CVE-…, GHSA-…, ALSA-…). */
  vulnerabilities: string[];
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impact?: string;
  /** ISO 8601, when the statement says; a later statement about the same finding wins. */
  timestamp?: string;
}
