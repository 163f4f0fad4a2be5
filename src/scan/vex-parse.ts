import type { z } from 'zod';
import { PatchlineError } from '../core/index.js';

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

/** Deepest nesting a VEX document may have: real ones nest under 20 levels (CSAF branches, CycloneDX components). */
export const MAX_VEX_DEPTH = 64;

/** Refuses documents nested deeper than MAX_VEX_DEPTH before a recursive schema walks them into a stack overflow. */
export function checkDepth(document: unknown, file: string): void {
  const stack: Array<[unknown, number]> = [[document, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_VEX_DEPTH) {
      throw new PatchlineError('limit', file, `nests deeper than ${MAX_VEX_DEPTH} levels; no VEX document needs that`);
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}
