import type { FastifyReply } from 'fastify';
import { errorKindOfStatus, PatchlineError } from '../../core/index.js';

/**
 * The error codes of the OCI distribution specification (and distribution's UNAVAILABLE), with the HTTP status each
 * goes with. Registry clients read these, not our Kubernetes-shaped Status documents, so the gateway answers in them.
 */
const STATUS = {
  BLOB_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  TAG_INVALID: 400,
  RANGE_INVALID: 416,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  UNAVAILABLE: 503,
} as const;

export type RegistryErrorCode = keyof typeof STATUS;

/** A failure the gateway answers with; thrown inside a handler, it is turned into the response by the routes. */
export class RegistryError extends PatchlineError {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(errorKindOfStatus(STATUS[code]), 'registry request', message, { message });
    this.name = 'RegistryError';
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function sendRegistryError(reply: FastifyReply, error: RegistryError): FastifyReply {
  reply.headers(error.headers);
  return reply
    .code(error.status)
    .type('application/json')
    .send({ errors: [{ code: error.code, message: error.message, detail: null }] });
}
