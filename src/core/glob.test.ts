import { describe, expect, it } from 'vitest';
import { compileGlob, globBase, isGlob, normalizeRequestPath } from './glob.js';

describe('path globs', () => {
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
    ['etc/?otd', 'etc//otd', false],
    ['var/lib/dpkg/status.d/[a-c]*', 'var/lib/dpkg/status.d/base', true],
    ['var/lib/dpkg/status.d/[!a-c]*', 'var/lib/dpkg/status.d/base', false],
    ['etc/a.b', 'etc/aXb', false],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(compileGlob(pattern).test(path)).toBe(expected);
    expect(compileGlob(pattern, 'path').test(path)).toBe(expected);
  });

  it('refuses a class without its closing bracket, naming the glob', () => {
    expect(() => compileGlob('etc/[ab')).toThrow(/etc\/\[ab/);
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

describe('package-name globs', () => {
  const matches = (glob: string, name: string) => compileGlob(glob, 'name').test(name);

  it('* and ? are wildcards; every other character is literal, including regular-expression ones', () => {
    expect(matches('gcc*', 'gcc-c++')).toBe(true);
    expect(matches('gcc*', 'libgcc')).toBe(false);
    expect(matches('sud?', 'sudo')).toBe(true);
    expect(matches('gcc-c++', 'gcc-c++')).toBe(true);
    expect(matches('gcc-c++', 'gcc-cc')).toBe(false);
    expect(matches('lib.so', 'libxso')).toBe(false);
    expect(matches('(a|b)', 'a')).toBe(false);
    expect(matches('x[1]', 'x[1]')).toBe(true);
    expect(matches('x[1]', 'x1')).toBe(false);
  });

  it('are not paths: * and ? cross a slash, a leading ./ is literal, and a line break is any character', () => {
    expect(matches('a*z', 'a/b/z')).toBe(true);
    expect(matches('a?z', 'a/z')).toBe(true);
    expect(matches('./x', 'x')).toBe(false);
    expect(matches('a*z', 'a\nz')).toBe(true);
  });
});
