import { expect } from 'vitest';

/**
 * A reader of the Prometheus text format written from its specification (not from our writer): comments, then
 * `name{label="value",…} number` lines, each of a family with a TYPE. Fails on any other line.
 */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment !== null) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        types.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,(?=[a-zA-Z_]))?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(
        line,
      );
    expect(sample, `not a Prometheus sample line: ${line}`).not.toBeNull();
    // A histogram's samples are its name with _bucket, _sum and _count.
    const family = sample![1]!.replace(/_(bucket|sum|count)$/, '');
    const typed = types.has(sample![1]!) || types.get(family) === 'histogram';
    expect(typed, `${sample![1]} has no TYPE`).toBe(true);
    samples.set(`${sample![1]}${sample![2] ?? ''}`, Number(sample![3]));
  }
  return samples;
}
