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
