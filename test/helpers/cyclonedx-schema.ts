import * as CDX from '@cyclonedx/cyclonedx-library';
import type { CyclonedxVersion } from '../../src/report/index.js';

/**
 * Checks a document against the CycloneDX JSON schema of its version; returns the schema errors, or null when valid.
 * Test code: the library's strict validator needs ajv and its two format packages, which are devDependencies.
 */
export async function validateCyclonedx(json: string, version: CyclonedxVersion = '1.6'): Promise<null | unknown> {
  // The library's Version values are the version strings themselves ('1.6').
  return new CDX.Validation.JsonStrictValidator(version as CDX.Spec.Version).validate(json);
}
