import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const GO_RPMDB_DEB = 'golang-github-knqyf263-go-rpmdb-dev';
const GO_RPMDB_TESTDATA = 'usr/share/gocode/src/github.com/knqyf263/go-rpmdb/pkg/testdata';

/**
 * The real CentOS 5-8 BerkeleyDB databases that Debian's go-rpmdb package ships as test data, downloaded once per
 * machine with `apt-get download` (the rename makes concurrent downloads safe).
 */
export async function goRpmdbTestdata(): Promise<string> {
  const cache = join(tmpdir(), 'patchline-go-rpmdb-testdata');
  if (existsSync(join(cache, 'centos7-plain', 'Packages'))) return cache;
  const staging = await mkdtemp(join(tmpdir(), 'patchline-go-rpmdb-download-'));
  try {
    await run('apt-get', ['download', GO_RPMDB_DEB], { cwd: staging });
    const deb = (await readdir(staging)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${GO_RPMDB_DEB} produced no .deb`);
    await run('dpkg-deb', ['-x', join(staging, deb), join(staging, 'x')]);
    try {
      await rename(join(staging, 'x', GO_RPMDB_TESTDATA), cache);
    } catch (error) {
      if (!existsSync(join(cache, 'centos7-plain', 'Packages'))) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return cache;
}

/** Copies a BerkeleyDB `Packages` into a folder of its own, since rpm wants a whole dbpath (and may take locks in it). */
export async function dbpathWith(source: string, dbpath: string): Promise<string> {
  await mkdir(dbpath, { recursive: true });
  await copyFile(source, join(dbpath, 'Packages'));
  return dbpath;
}

/** Has Debian's rpm convert a BerkeleyDB `Packages` to a real `rpmdb.sqlite`; returns the SQLite file's path. */
export async function sqliteFromBerkeleyDb(source: string, dbpath: string): Promise<string> {
  await dbpathWith(source, dbpath);
  await run('rpmdb', ['--dbpath', dbpath, '--define', '_db_backend sqlite', '--rebuilddb']);
  return join(dbpath, 'rpmdb.sqlite');
}

/** rpm's answer to a query; it warns on stderr about index files a bare Packages has not, only stdout is the answer. */
export async function rpmQuery(args: string[]): Promise<string> {
  const { stdout } = await run('rpm', args, { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}
