import type { z } from 'zod';
import { PatchlineError } from '../errors.js';

/** `$.statements[3].status`: where a zod issue is, as a JSON path a reader can follow in the file. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return `$${path
    .map((segment) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(segment))
          ? `.${String(segment)}`
          : `[${JSON.stringify(String(segment))}]`,
    )
    .join('')}`;
}

/** Parses a VEX document with its format's schema; a mismatch names the file, the JSON path and what was expected. */
export function parseVex<T extends z.ZodType>(schema: T, document: unknown, file: string, format: string): z.infer<T> {
  const parsed = schema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PatchlineError('input', file, `${format} document invalid at ${jsonPath(issue.path)}: ${issue.message}`);
}
