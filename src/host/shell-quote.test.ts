import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './shell-quote.js';

const HOSTILE = [
  '',
  'plain',
  "it's",
  "''",
  'a "quoted" word',
  `$(touch /tmp/patchline-pwned) \`id\` \${HOME}`,
  'back\\slash\\',
  'new\nline',
  ' leading and trailing ',
  '*?[a]~',
  '!history',
  'tab\there',
];

describe('shellQuote', () => {
  for (const shell of ['sh', 'dash', 'bash']) {
    it(`gives ${shell} back every value byte for byte, expanding nothing`, () => {
      for (const value of HOSTILE) {
        const run = spawnSync(shell, ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).toBe(value);
      }
    });
  }

  it('refuses a NUL byte, which no shell word can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
