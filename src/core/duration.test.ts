import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, durationSeconds, formatAge, MAX_DURATION_SECONDS } from './duration.js';

describe('the one duration grammar', () => {
  it('reads 0 and unit sums, and refuses what is not one', () => {
    expect(durationSeconds(0)).toBe(0);
    expect(durationSeconds('0')).toBe(0);
    expect(durationSeconds('0s')).toBe(0);
    expect(durationSeconds('72h')).toBe(72 * 3600);
    expect(durationSeconds('2w')).toBe(14 * 86_400);
    expect(durationSeconds('1w2d3h4m5s')).toBe(604_800 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5);
    for (const bad of ['', '3 days', '1h1d', '-1h', '1.5h', 'h', '1h 30m', 3])
      expect(durationSeconds(bad)).toBeUndefined();
  });

  it('has an upper bound of ten years, so a typo is refused rather than read as forever', () => {
    expect(durationSeconds('3650d')).toBe(MAX_DURATION_SECONDS);
    expect(durationSeconds('3651d')).toBeUndefined();
    expect(durationSeconds('522w')).toBeUndefined();
    expect(durationSeconds(`${'9'.repeat(30)}s`)).toBeUndefined();
  });

  it('accepts the forms policies, rollouts and flags are written in', () => {
    for (const text of ['2w', '1d12h', '30m', '45s']) expect(DURATION_PATTERN.test(text)).toBe(true);
  });

  it('prints ages as 45s, 34m, 5h12m, 3d, in the grammar it reads', () => {
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(45)).toBe('45s');
    expect(formatAge(34 * 60 + 10)).toBe('34m');
    expect(formatAge(5 * 3600 + 12 * 60 + 59)).toBe('5h12m');
    expect(formatAge(7200)).toBe('2h');
    expect(formatAge(3 * 86_400 + 59)).toBe('3d');
    expect(formatAge(3 * 86_400 + 4 * 3600)).toBe('3d4h');
    for (const seconds of [45, 34 * 60, 5 * 3600 + 12 * 60, 3 * 86_400]) {
      expect(durationSeconds(formatAge(seconds))).toBe(seconds);
    }
  });
});
