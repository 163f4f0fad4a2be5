import { describe, expect, it } from 'vitest';
import { parseDuration, tryParseDuration } from './duration.js';

describe('rollout durations', () => {
  it('are the one duration grammar in milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['2w', 14 * 86_400],
      ['1d12h', 36 * 3600],
      ['30m', 30 * 60],
      ['45s', 45],
    ];
    for (const [text, seconds] of cases) expect(tryParseDuration(text)).toBe(seconds * 1000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
  });

  it('refuse 0, more than ten years and what is not a duration', () => {
    expect(tryParseDuration('0')).toBeUndefined();
    expect(tryParseDuration('3651d')).toBeUndefined();
    expect(() => parseDuration('soon')).toThrow(RangeError);
  });
});
