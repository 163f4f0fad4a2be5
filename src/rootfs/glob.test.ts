import { describe, expect, it } from 'vitest';
import { compileGlob, globBase, isGlob, normalizeRequestPath } from './glob.js';

describe('globs', () => {
  it.each([
    ['etc/*', 'etc/os-release', true],
    ['etc/*', 'etc/ssl/certs', false],
    ['**/os-release', 'os-release', true],
    ['**/os-release', 'usr/lib/os-release', true],
    ['**/os-release', 'usr/lib/os-release.d', false],
    ['usr/lib/modules/*/vmlinuz', 'usr/lib/modules/6.11.4/vmlinuz', true],
    ['usr/lib/modules/*/vmlinuz', 'usr/lib/modules/a/b/vmlinuz', false],
    ['usr/**', 'usr/a/b/c', true],
    ['/etc/?otd', 'etc/motd', true],
    ['var/lib/dpkg/status.d/[a-c]*', 'var/lib/dpkg/status.d/base', true],
    ['var/lib/dpkg/status.d/[!a-c]*', 'var/lib/dpkg/status.d/base', false],
    ['etc/a.b', 'etc/aXb', false],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(compileGlob(pattern).test(path)).toBe(expected);
  });

  it('finds the literal folder a glob starts in', () => {
    expect(globBase('var/lib/dpkg/status.d/*')).toBe('var/lib/dpkg/status.d');
    expect(globBase('**/os-release')).toBe('');
    expect(globBase('/etc/os-release')).toBe('etc/os-release');
  });

  it('tells globs from paths and normalises paths', () => {
    expect(isGlob('etc/os-release')).toBe(false);
    expect(isGlob('etc/*')).toBe(true);
    expect(normalizeRequestPath('/./etc//os-release/')).toBe('etc/os-release');
  });
});
