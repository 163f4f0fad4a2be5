import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatPath, formatSchemaError, PatchlineError } from '../core/index.js';
import type { StoreErrorReason } from '../store/index.js';
import { MAX_NESTING, tooDeep } from './nesting.js';

/** Failures in the Kubernetes Status shape, so kubectl-minded clients and our CLI read them the same way. */
export type StatusReason =
  | StoreErrorReason
  | 'BadRequest'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError';

export interface Status {
  apiVersion: 'v1';
  kind: 'Status';
  status: 'Failure';
  message: string;
  reason: StatusReason;
  code: number;
}

/** A failure as the OpenAPI document describes it. */
export const statusSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Status'),
    status: z.literal('Failure'),
    message: z.string(),
    reason: z.string(),
    code: z.number().int(),
  })
  .meta({ title: 'Status' });

/** What a deletion answers. */
export const successSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Status'),
  status: z.literal('Success'),
  code: z.number().int(),
  message: z.string(),
});

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  AlreadyExists: 409,
  Conflict: 409,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
};

export function statusOf(reason: StatusReason, message: string): Status {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code: CODES[reason] };
}

export function sendStatus(reply: FastifyReply, reason: StatusReason, message: string): FastifyReply {
  const status = statusOf(reason, message);
  return reply.code(status.code).type('application/json').send(status);
}

/** A request that failed its schema, thrown from handlers and turned into a 422 naming the place in the body. */
export class InvalidRequest extends PatchlineError {
  readonly reason: 'Invalid' | 'BadRequest' | 'RequestEntityTooLarge';
  constructor(message: string, reason: 'Invalid' | 'BadRequest' | 'RequestEntityTooLarge' = 'Invalid') {
    super(reason === 'RequestEntityTooLarge' ? 'limit' : 'input', 'request', message, { message });
    this.name = 'InvalidRequest';
    this.reason = reason;
  }
}

/**
 * Parses with a schema or throws InvalidRequest naming every problem with its path ("spec.selector: …", "spec.evil:
 * unknown key").
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const deep = tooDeep(body);
  if (deep !== undefined) {
    throw new InvalidRequest(`${what} is invalid: ${formatPath(deep)}: nested deeper than ${MAX_NESTING} levels`);
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new InvalidRequest(`${what} is invalid: ${formatSchemaError(parsed.error, { limit: 5, whole: what })}`);
}
