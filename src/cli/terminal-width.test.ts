import { describe, expect, it } from 'vitest';
import { outputWidth } from './terminal-width.js';

describe('outputWidth', () => {
  const terminal = { isTTY: true, columns: 132 };
  const pipe = { isTTY: false };

  it("fits the terminal's width, and $COLUMNS before it", () => {
    expect(outputWidth(undefined, terminal, {})).toBe(132);
    expect(outputWidth('-', terminal, {})).toBe(132);
    expect(outputWidth(undefined, terminal, { COLUMNS: '90' })).toBe(90);
    expect(outputWidth(undefined, pipe, { COLUMNS: '90' })).toBe(90);
  });

  it('sets no limit for pipes, files, and an unusable $COLUMNS', () => {
    expect(outputWidth(undefined, pipe, {})).toBeUndefined();
    expect(outputWidth('report.txt', terminal, { COLUMNS: '90' })).toBeUndefined();
    for (const columns of ['', '0', 'wide', '-5', '80x']) {
      expect(outputWidth(undefined, pipe, { COLUMNS: columns })).toBeUndefined();
      expect(outputWidth(undefined, terminal, { COLUMNS: columns })).toBe(132);
    }
  });
});
