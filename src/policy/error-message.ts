import { isPatchlineError } from '../core/index.js';

/** What went wrong, for a rule's message: a PatchlineError's own words, anything else as it printed itself. */
export function errorMessage(error: unknown): string {
  if (isPatchlineError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
