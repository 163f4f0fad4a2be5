/**
 * Every failure Patchline reports is a PatchlineError: it names the input it was reading, says what was wrong, and
 * carries the process exit code. Anything else that escapes to the CLI is a bug and is reported as one.
 */
export type ErrorKind =
  | 'usage' // the command line itself is wrong
  | 'input' // a file, reference or document the user gave is malformed
  | 'not-found' // the named image, tag, blob, platform or path does not exist
  | 'auth' // a registry refused our credentials (401) or the scope (403)
  | 'registry' // a registry failed (429, 5xx, connection refused, protocol violation)
  | 'integrity' // content does not match its digest or declared size
  | 'limit' // a configured safety limit was reached (decompression bomb, symlink loop, oversized file)
  | 'io' // this machine failed us: a full disk, a file that cannot be written
  | 'unsupported'; // valid but not handled: an unknown media type, a compression we do not read

export class PatchlineError extends Error {
  readonly kind: ErrorKind;
  /** The input this error is about: an image reference, a file path, a blob digest, a URL. */
  readonly input: string;
  readonly exitCode: number;

  constructor(kind: ErrorKind, input: string, problem: string, options?: { cause?: unknown }) {
    super(`${input}: ${problem}`, options);
    this.name = 'PatchlineError';
    this.kind = kind;
    this.input = input;
    // Exit code 1 is kept for "the scan found something" (as trivy and grype do); every error is 2.
    this.exitCode = 2;
  }
}

export function isPatchlineError(error: unknown): error is PatchlineError {
  return error instanceof PatchlineError;
}
