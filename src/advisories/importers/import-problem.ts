import type { z } from 'zod';
import type { ImportProblem } from '../advisory.js';

/** A JSON pointer (RFC 6901) from path segments, as ImportProblem.at wants it. */
export function jsonPointer(path: ReadonlyArray<PropertyKey>): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * One problem per failed zod validation, at the first issue: the path inside the document (prefixed with where the
 * validated part sits) and zod's own message, which names the expected and the received type.
 */
export function zodProblem(input: string, base: ReadonlyArray<PropertyKey>, error: z.ZodError): ImportProblem {
  const issue = error.issues[0];
  const at = jsonPointer([...base, ...(issue?.path ?? [])]);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return { input, at: at === '' ? '/' : at, problem: `${issue?.message ?? 'invalid'}${more}` };
}

/** A plain object (not an array, not null): the shape every format here starts from. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
