/**
 * Every failure Patchline reports is a PatchlineError: it names the input it was reading, says what was wrong, and
 * carries the process exit code. Anything else that escapes to the CLI is a bug and is reported as one. The server's
 * errors (the store's refusals, invalid requests, the gateway's registry errors) are PatchlineErrors too, each with
 * the fields its protocol answers with (docs/decisions/0070-one-error-family.md).
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

export interface PatchlineErrorOptions {
  cause?: unknown;
  /**
   * The whole message, for the errors a server answers with: their text is what the API sends back (a Kubernetes
   * Status message, an OCI error), worded by the code that raised it, without the input in front.
   */
  message?: string;
}

export class PatchlineError extends Error {
  readonly kind: ErrorKind;
  /** The input this error is about: an image reference, a file path, a blob digest, a URL. */
  readonly input: string;
  readonly exitCode: number;

  constructor(kind: ErrorKind, input: string, problem: string, options?: PatchlineErrorOptions) {
    super(options?.message ?? `${input}: ${problem}`, options && 'cause' in options ? { cause: options.cause } : {});
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

/**
 * The kind of failure an HTTP status stands for, whoever answered it (the controller, a registry, the gateway). A
 * remote service that failed is what 'registry' means at the exit-code level; messages name the URL.
 */
export function errorKindOfStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 413) return 'limit';
  if (status >= 400 && status < 500 && status !== 429) return 'input';
  return 'registry';
}
