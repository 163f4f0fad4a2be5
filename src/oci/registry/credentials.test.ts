import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PatchlineError } from '../../core/index.js';
import { defaultAuthFiles, findCredentials } from './credentials.js';

const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('defaultAuthFiles', () => {
  it('lists $REGISTRY_AUTH_FILE, the XDG runtime file, docker config and bootc file, in that order', () => {
    expect(defaultAuthFiles({ REGISTRY_AUTH_FILE: '/x/auth.json', XDG_RUNTIME_DIR: '/run/user/7' }, '/home/u')).toEqual(
      ['/x/auth.json', '/run/user/7/containers/auth.json', '/home/u/.docker/config.json', '/etc/ostree/auth.json'],
    );
  });

  it('leaves out the files whose variables are unset', () => {
    expect(defaultAuthFiles({}, '/root')).toEqual(['/root/.docker/config.json', '/etc/ostree/auth.json']);
  });
});

describe('findCredentials', () => {
  let dir: string;
  const file = async (name: string, content: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchline-creds-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the first file that has the registry, skipping files that do not exist', async () => {
    const first = await file('first.json', { auths: { 'other.example': { auth: auth('x', 'y') } } });
    const second = await file('second.json', { auths: { 'quay.io': { auth: auth('alice', 'one') } } });
    const third = await file('third.json', { auths: { 'quay.io': { auth: auth('bob', 'two') } } });
    const found = await findCredentials('quay.io', 'org/app', [join(dir, 'missing.json'), first, second, third]);
    expect(found).toEqual({ username: 'alice', password: 'one' });
  });

  it('prefers the most specific repository key within a file', async () => {
    const path = await file('auth.json', {
      auths: {
        'quay.io': { auth: auth('host', 'h') },
        'quay.io/org': { auth: auth('org', 'o') },
        'quay.io/org/app': { auth: auth('app', 'a') },
      },
    });
    expect((await findCredentials('quay.io', 'org/app', [path]))?.username).toBe('app');
    expect((await findCredentials('quay.io', 'org/other', [path]))?.username).toBe('org');
    expect((await findCredentials('quay.io', 'elsewhere/x', [path]))?.username).toBe('host');
  });

  it('does not let a key for one port serve another, nor a prefix of a host name match', async () => {
    const path = await file('auth.json', {
      auths: { '127.0.0.1:5000': { auth: auth('u', 'p') }, 'quay.io.evil': { auth: auth('e', 'e') } },
    });
    expect(await findCredentials('127.0.0.1:5001', 'r', [path])).toBeUndefined();
    expect(await findCredentials('quay.io', 'r', [path])).toBeUndefined();
  });

  it('reads docker-style https://host/v1/ keys and maps Docker Hub names onto each other', async () => {
    const path = await file('config.json', {
      auths: {
        'https://index.docker.io/v1/': { auth: auth('hubuser', 'hubpass') },
        'https://registry.example.com/v1/': { auth: auth('legacy', 'l') },
      },
    });
    expect(await findCredentials('registry-1.docker.io', 'library/debian', [path])).toEqual({
      username: 'hubuser',
      password: 'hubpass',
    });
    expect((await findCredentials('registry.example.com', 'a/b', [path]))?.username).toBe('legacy');
  });

  it('keeps a colon inside the password', async () => {
    const path = await file('auth.json', { auths: { h: { auth: auth('u', 'pa:ss:word') } } });
    expect(await findCredentials('h', undefined, [path])).toEqual({ username: 'u', password: 'pa:ss:word' });
  });

  it('skips entries whose secret lives in a credential helper (no auth field)', async () => {
    const first = await file('docker.json', { auths: { 'quay.io': {} }, credsStore: 'desktop' });
    const second = await file('ostree.json', { auths: { 'quay.io': { auth: auth('bootc', 'b') } } });
    expect((await findCredentials('quay.io', 'x', [first, second]))?.username).toBe('bootc');
  });

  it('fails with an input error naming the file for invalid JSON', async () => {
    const path = await file('broken.json', '{"auths": {');
    const error = await findCredentials('quay.io', 'x', [path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatchlineError);
    expect(error).toMatchObject({ kind: 'input', input: path });
    expect((error as Error).message).toMatch(/not valid JSON/);
  });

  it('fails with an input error naming the key when an auth value is not base64 user:password', async () => {
    const path = await file('bad.json', { auths: { 'quay.io': { auth: 'bm9jb2xvbg==' } } });
    await expect(findCredentials('quay.io', 'x', [path])).rejects.toMatchObject({
      kind: 'input',
      input: path,
      message: expect.stringMatching(/auths\.quay\.io\.auth: expected base64/),
    });
    const wrongType = await file('wrong.json', { auths: { 'quay.io': { auth: 42 } } });
    await expect(findCredentials('quay.io', 'x', [wrongType])).rejects.toMatchObject({
      kind: 'input',
      input: wrongType,
    });
  });

  it('reports a path that is a directory as unreadable rather than skipping it', async () => {
    const sub = join(dir, 'auth.json');
    await mkdir(sub);
    await expect(findCredentials('quay.io', 'x', [sub])).rejects.toMatchObject({ kind: 'input', input: sub });
  });

  it('finds nothing when no file mentions the registry', async () => {
    const path = await file('auth.json', { auths: {} });
    expect(await findCredentials('quay.io', 'x', [path, join(dir, 'none.json')])).toBeUndefined();
  });
});
