/**
 * The deepest a JSON body may nest. Real documents (a bootc status, a Fleet) nest about ten levels; schemas and
 * writers walk values recursively, and an 8,000-deep array in a host report overflowed the stack (a 500).
 */
export const MAX_NESTING = 64;

/**
 * The path of the first value nested deeper than `limit`, or undefined when none is. Walked with an explicit stack,
 * so the check itself cannot overflow.
 */
export function tooDeep(value: unknown, limit = MAX_NESTING): Array<string | number> | undefined {
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= limit) return path;
    const entries: Array<[string | number, unknown]> = Array.isArray(current)
      ? current.map((item, index) => [index, item])
      : Object.entries(current);
    for (const [key, item] of entries) stack.push({ value: item, path: [...path, key] });
  }
  return undefined;
}
