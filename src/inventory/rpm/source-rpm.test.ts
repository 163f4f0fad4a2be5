import { describe, expect, it } from 'vitest';
import { parseSourceRpm } from './source-rpm.js';

describe('parseSourceRpm', () => {
  it.each([
    ['bash-5.2.15-2.fc38.src.rpm', 'bash', '5.2.15-2.fc38'],
    ['util-linux-2.32.1-42.el8_8.src.rpm', 'util-linux', '2.32.1-42.el8_8'],
    [
      'python-backports-ssl_match_hostname-3.5.0.1-1.el7.src.rpm',
      'python-backports-ssl_match_hostname',
      '3.5.0.1-1.el7',
    ],
    ['nodejs-10.21.0-3.module_el8.2.0+391+8da3adc6.src.rpm', 'nodejs', '10.21.0-3.module_el8.2.0+391+8da3adc6'],
    ['kernel-6.5.0-0.rc1.20230717git.1.fc39.nosrc.rpm', 'kernel', '6.5.0-0.rc1.20230717git.1.fc39'],
  ])('%s', (sourceRpm, name, version) => {
    expect(parseSourceRpm(sourceRpm)).toEqual({ name, version });
  });

  it.each([
    ['(none)'],
    ['bash.src.rpm'],
    ['bash-5.2.src.rpm'],
    ['-1-2.src.rpm'],
    ['a--2.src.rpm'],
    ['a-1-.src.rpm'],
    ['a-1-2.rpm'],
  ])('refuses %s', (sourceRpm) => {
    expect(parseSourceRpm(sourceRpm)).toBeUndefined();
  });
});
