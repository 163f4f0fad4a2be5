import { z } from 'zod';
import { PatchlineError } from '../../core/index.js';
import { networkErrorCode, networkErrorMessage } from '../../http/index.js';

/**
 * Turns what a registry (or the network) did wrong into one PatchlineError per failure, each with its own wording, so
 * a user can tell "no such tag" from "not allowed" from "the registry is down" without reading HTTP traces.
 */

/** What a request was about, for messages: `manifest` 404s read differently from `blob` 404s. */
export type Subject = 'manifest' | 'blob' | 'upload' | 'tags' | 'token';

export interface FailedRequest {
  /** The image or blob the user would recognise: `host/repo:tag`, `host/repo@sha256:…`. */
  input: string;
  subject: Subject;
  method: string;
  url: string;
  /** How many times the request was sent (retries included). */
  attempts: number;
}

const ociErrorBody = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough()).min(1),
});

/** Reads at most this much of an error body: enough for any OCI error document, bounded against a hostile one. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** The OCI error code and message of a failed response (`MANIFEST_UNKNOWN: manifest unknown`), if it has one. */
export async function readErrorDetail(response: Response): Promise<string | undefined> {
  let text = '';
  try {
    const reader = response.body?.getReader();
    if (reader === undefined) return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
      if (size >= ERROR_BODY_LIMIT) {
        await reader.cancel();
        break;
      }
    }
    text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_LIMIT);
  } catch {
    return undefined;
  }
  try {
    const parsed = ociErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) {
      return parsed.data.errors
        .map((e) => [e.code, e.message].filter((part) => part !== undefined && part !== '').join(': '))
        .join('; ');
    }
  } catch {
    // Not JSON: an HTML error page from a proxy, say. Its first line still helps more than nothing.
  }
  const firstLine = text.trim().split('\n')[0]?.slice(0, 200);
  return firstLine === '' ? undefined : firstLine;
}

/** The error for a response that was not what the request expected. Consumes the response body. */
export async function statusFailure(
  response: Response,
  request: FailedRequest,
  auth: { sentCredentials: boolean; username?: string },
): Promise<PatchlineError> {
  const detail = await readErrorDetail(response);
  const status = `HTTP ${response.status}${detail === undefined ? '' : ` ${detail}`}`;
  const where = `${request.method} ${request.url}`;
  const host = new URL(request.url).host;
  switch (response.status) {
    case 401:
      if (auth.sentCredentials) {
        return new PatchlineError(
          'auth',
          request.input,
          `${host} rejected the credentials${auth.username ? ` of user "${auth.username}"` : ''} (${status} from ${where})`,
        );
      }
      return new PatchlineError(
        'auth',
        request.input,
        `authentication required: ${host} does not allow anonymous access and no credentials were found for it (${status} from ${where}); log in with \`podman login\` or \`skopeo login\`, or set REGISTRY_AUTH_FILE`,
      );
    case 403:
      return new PatchlineError('auth', request.input, `access denied by ${host} (${status} from ${where})`);
    case 404:
      return new PatchlineError(
        'not-found',
        request.input,
        notFoundProblem(request.subject, detail, `${status} from ${where}`),
      );
    case 429:
      return new PatchlineError(
        'registry',
        request.input,
        `${host} is rate limiting requests and still was after ${attemptsText(request.attempts)} (${status} from ${where})`,
      );
    default:
      if (response.status >= 500) {
        return new PatchlineError(
          'registry',
          request.input,
          `${host} failed with a server error${request.attempts > 1 ? ` ${attemptsText(request.attempts)} in a row` : ''} (${status} ${response.statusText} from ${where})`,
        );
      }
      return new PatchlineError('registry', request.input, `unexpected answer from ${host} (${status} from ${where})`);
  }
}

function attemptsText(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

function notFoundProblem(subject: Subject, detail: string | undefined, status: string): string {
  // NAME_UNKNOWN means the whole repository is missing, which is worth telling apart from a missing tag.
  if (detail?.startsWith('NAME_UNKNOWN')) return `repository not found (${status})`;
  switch (subject) {
    case 'manifest':
      return `manifest unknown: no such tag or digest in the repository (${status})`;
    case 'blob':
      return `blob unknown: the repository has no blob with this digest (${status})`;
    case 'upload':
      return `blob upload unknown: the registry forgot the upload session (${status})`;
    case 'tags':
      return `repository not found (${status})`;
    case 'token':
      return `token endpoint not found (${status})`;
  }
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$)/;

/** The error for a request that got no HTTP answer at all. */
export function networkFailure(error: unknown, request: FailedRequest): PatchlineError {
  if (error instanceof PatchlineError) return error;
  // A request body that failed (e.g. a source blob that did not match its digest) surfaces as fetch's cause.
  const cause = (error as Error | undefined)?.cause;
  if (cause instanceof PatchlineError) return cause;
  const url = new URL(request.url);
  const code = networkErrorCode(error);
  const reason = networkErrorMessage(error);
  const tried = request.attempts > 1 ? `, ${attemptsText(request.attempts)}` : '';
  if (code === 'ECONNREFUSED') {
    return new PatchlineError(
      'registry',
      request.input,
      `cannot connect to ${url.host}: connection refused (${request.method} ${request.url}${tried})`,
      { cause: error },
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new PatchlineError('registry', request.input, `cannot resolve host ${url.hostname} (${code})`, {
      cause: error,
    });
  }
  if (code !== undefined && TLS_CODE.test(code)) {
    return new PatchlineError(
      'registry',
      request.input,
      `TLS failure talking to ${url.host}: ${reason} (${code}); if this registry serves plain HTTP, use --tls-verify=false`,
      { cause: error },
    );
  }
  return new PatchlineError(
    'registry',
    request.input,
    `cannot talk to ${url.host}: ${reason}${code ? ` (${code})` : ''} (${request.method} ${request.url}${tried})`,
    { cause: error },
  );
}
