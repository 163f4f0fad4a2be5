import type { z } from 'zod';

/**
 * One schema problem as its reader needs it: the path in the document as they would write it and what is wrong.
 * An unknown key is named at the key itself (`spec.evil: unknown key`), which is what has to be deleted or corrected;
 * zod puts it at the object holding it.
 */
export function issuePath(issue: z.core.$ZodIssue): { path: Array<string | number>; message: string } {
  const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
  if (issue.code === 'unrecognized_keys') {
    return {
      path: [...path, issue.keys[0] ?? ''],
      message: issue.keys.length > 1 ? `unknown keys ${issue.keys.join(', ')}` : 'unknown key',
    };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return { path, message: 'is required' };
  return { path, message: issue.message };
}

/** `spec.exceptions[0].status`, as a reader of the document would write the path. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(document)';
  return path
    .map(String)
    .map((key, i) => (/^\d+$/.test(key) ? `[${key}]` : i === 0 ? key : `.${key}`))
    .join('');
}

export interface SchemaErrorFormat {
  /** How many problems to name before "and N more" (default 1: the first is usually the one to fix). */
  limit?: number;
  /** What to call the place of a problem with the whole value (default `(document)`): `body`, the request. */
  whole?: string;
  /** Where the checked value sits in a larger document (`['predicate']`), so paths read from its top. */
  within?: readonly (string | number)[];
}

/**
 * The one formatter of schema problems: `spec.exceptions[0].status: is required; spec.evil: unknown key`, each path as
 * a reader of the document would write it (see issuePath and formatPath).
 */
export function formatSchemaError(error: z.ZodError, format: SchemaErrorFormat = {}): string {
  const limit = format.limit ?? 1;
  const problems = error.issues.slice(0, limit).map((issue) => {
    const { path, message } = issuePath(issue);
    const full = [...(format.within ?? []), ...path];
    return `${full.length === 0 && format.whole !== undefined ? format.whole : formatPath(full)}: ${message}`;
  });
  const more = error.issues.length - limit;
  return `${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
