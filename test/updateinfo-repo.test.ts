import { execFile as execFileCallback } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisoryDatabase } from '../src/advisories/database.js';
import { parseFeed } from '../src/advisories/feeds.js';
import { type UpdateOptions, updateDatabase } from '../src/advisories/sync.js';
import { scanImage } from '../src/scan/index.js';
import { cliPath, ensureBuilt } from './helpers/cli.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';
import { findProgram, run } from './helpers/real-images.js';
import {
  baseLayerTar,
  buildRepository,
  dnfRoot,
  type RpmImage,
  rootImage,
  rpmToolsMissing,
} from './helpers/rpm-images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * A real rpm repository: RPMs built by rpmbuild from generated specs, repodata by createrepo_c, errata added by
 * `modifyrepo_c --mdtype=updateinfo` (gzip, xz and zstd, as repositories publish them), served over HTTP and read
 * through file:. dnf is the oracle: `dnf updateinfo list --all` in a root that has the older builds installed names the
 * advisories and packages the repository carries for it, and `dnf updateinfo list --security` the ones it would still
 * install, which is what a scan of that root as an image must report as fix-available.
 */

const execFile = promisify(execFileCallback);
const missing = rpmToolsMissing() ?? (findProgram('modifyrepo_c') ? undefined : 'modifyrepo_c is not installed');
if (missing) console.warn(`updateinfo repository tests skipped: ${missing}`);
const suite = describe.skipIf(missing !== undefined);

const ORACLE_9_OS_RELEASE = `NAME="Oracle Linux Server"
VERSION="9.4"
ID="ol"
ID_LIKE="fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Oracle Linux Server 9.4"
CPE_NAME="cpe:/o:oracle:linux:9:4:server"
`;

/** Errata written as Oracle's updateinfo writes them, for the builds below. */
function erratum(
  id: string,
  type: string,
  issued: string,
  cve: string | undefined,
  packages: Array<[name: string, version: string, release: string, arch: string]>,
): string {
  const reference = cve
    ? `<reference href="https://linux.oracle.com/cve/${cve}.html" id="${cve}" title="${cve}" type="cve"/>`
    : '';
  const list = packages
    .map(
      ([name, version, release, arch]) =>
        `<package name="${name}" arch="${arch}" epoch="0" version="${version}" release="${release}" src="${name}-${version}-${release}.src.rpm"><filename>${name}-${version}-${release}.${arch}.rpm</filename></package>`,
    )
    .join('\n        ');
  return `  <update from="el-errata@oss.oracle.com" status="final" type="${type}" version="2">
    <id>${id}</id>
    <title>${packages[0]![0]} ${type} update</title>
    <issued date="${issued}"/>
    <severity>Important</severity>
    <description>${packages[0]![0]} fixes &amp; more</description>
    <references>${reference}</references>
    <pkglist>
      <collection short="el9">
        <name>Oracle Linux 9</name>
        ${list}
      </collection>
    </pkglist>
  </update>`;
}

const UPDATEINFO = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
${erratum('ELSA-2026-0001', 'security', '2026-01-03', 'CVE-2026-1111', [['demo', '1.1', '1.el9', 'noarch']])}
${erratum('ELSA-2026-0002', 'security', '2026-02-01 08:30:00', 'CVE-2026-2222', [
  ['libfoo', '2.0', '2.el9', 'x86_64'],
  ['libfoo', '2.0', '2.el9', 'src'],
])}
${erratum('ELSA-2026-0003', 'bugfix', '2026-02-02', undefined, [['bystander', '1.1', '1.el9', 'noarch']])}
${erratum('ELSA-2026-0004', 'security', '2025-12-01', 'CVE-2025-4444', [['stable', '1.0', '1.el9', 'noarch']])}
</updates>
`;

const quick: UpdateOptions['http'] = { attempts: 1, clock: { sleep: async () => undefined } };

let work: string;
let server: FeedServer;
let root: string;
let image: RpmImage;
let repository: Awaited<ReturnType<typeof buildRepository>>;
/** The repository with its updateinfo compressed each way: `gz`, `xz`, `zst`. */
const repos = new Map<string, string>();

/** `dnf updateinfo list ARGS` in the root: `[advisory, type, nevra]` rows, sorted. */
async function dnfUpdateinfo(args: string[]): Promise<string[][]> {
  const out = await run('dnf', [...repository.dnf, `--installroot=${root}`, 'updateinfo', 'list', ...args], {
    env: repository.env,
  });
  return (
    out
      .toString('utf8')
      .split('\n')
      // `--all` marks the errata whose fix is installed with a leading `i`.
      .map((line) => line.trim().replace(/^i\s+/, '').split(/\s+/))
      .filter((fields) => /^ELSA-/.test(fields[0] ?? ''))
      .map(([id, type, nevra]) => [id!, type!, nevra!])
      .sort((a, b) => a.join(' ').localeCompare(b.join(' ')))
  );
}

/** The oracle for what an import must hold: the security errata `dnf updateinfo list --all` names, `[advisory, nevra]`. */
async function dnfSecurityErrata(): Promise<string[][]> {
  const all = await dnfUpdateinfo(['--all']);
  return all.filter(([, type]) => type!.endsWith('Sec.')).map(([id, , nevra]) => [id!, nevra!]);
}

/** A database holding the gzip repository's errata, synced through file:, for the tests that start from one. */
async function fromFileRepository(name: string): Promise<string> {
  const db = join(work, name);
  const feed = parseFeed(`updateinfo:${pathToFileURL(repos.get('gz')!).href}#os=ol:9`);
  expect((await updateDatabase(db, [feed])).added).toBe(3);
  return db;
}

async function sqlite(path: string, sql: string): Promise<string> {
  return (await execFile('sqlite3', ['-readonly', path, sql])).stdout.trim();
}

/** What the database holds from updateinfo: `[advisory, nevra]` per affected entry and arch (dnf's spelling). */
async function imported(db: string): Promise<string[][]> {
  const store = AdvisoryDatabase.open(db, { readonly: true });
  try {
    const names = ['demo', 'libfoo', 'bystander', 'stable'];
    return store
      .lookup('Oracle Linux:9', names)
      .filter((match) => match.advisory.source === 'updateinfo')
      .flatMap((match) =>
        (match.affected.arches ?? ['?']).map((arch) => [
          match.advisory.id,
          `${match.affected.package}-${match.affected.fixedVersion}.${arch}`,
        ]),
      )
      .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
  } finally {
    store.close();
  }
}

/** Serves a repository's repomd.xml and updateinfo under `/<name>/`. */
async function serve(name: string, repo: string): Promise<string> {
  for (const file of await readdir(join(repo, 'repodata'))) {
    if (file === 'repomd.xml' || file.includes('updateinfo')) {
      server.put(`/${name}/repodata/${file}`, await readFile(join(repo, 'repodata', file)));
    }
  }
  return `${server.url}/${name}/`;
}

/** A repomd.xml made by hand for a hostile updateinfo file: what a broken or malicious mirror would serve. */
function handRepomd(body: Buffer, checksumOf: Buffer = body): { repomd: string; href: string } {
  const hex = createHash('sha256').update(checksumOf).digest('hex');
  const href = `repodata/${hex}-updateinfo.xml.gz`;
  const repomd = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1</revision>
  <data type="updateinfo">
    <checksum type="sha256">${hex}</checksum>
    <location href="${href}"/>
    <size>${body.length}</size>
  </data>
</repomd>
`;
  return { repomd, href };
}

/**
 * Debian's createrepo_c cannot write zstd (Fedora's writes `updateinfo.xml.zst`): the plain file modifyrepo_c added is
 * compressed with the zstd tool and its repomd.xml entry given the compressed file's name, checksum and size.
 */
async function zstdUpdateinfo(repodata: string): Promise<void> {
  const plain = (await readdir(repodata)).find((file) => file.endsWith('-updateinfo.xml'))!;
  const compressed = await run('zstd', ['-q', '-c', join(repodata, plain)]);
  const hex = createHash('sha256').update(compressed).digest('hex');
  await writeFile(join(repodata, `${hex}-updateinfo.xml.zst`), compressed);
  await rm(join(repodata, plain));
  const repomd = await readFile(join(repodata, 'repomd.xml'), 'utf8');
  const entry = /<data type="updateinfo">[\s\S]*?<\/data>/.exec(repomd)![0];
  const rewritten = entry
    .replace(/<checksum type="sha256">[0-9a-f]+<\/checksum>/, `<checksum type="sha256">${hex}</checksum>`)
    .replace(/href="repodata\/[^"]+"/, `href="repodata/${hex}-updateinfo.xml.zst"`)
    .replace(/<size>\d+<\/size>/, `<size>${compressed.length}</size>`);
  await writeFile(join(repodata, 'repomd.xml'), repomd.replace(entry, rewritten));
}

suite('updateinfo of a real rpm repository', () => {
  beforeAll(async () => {
    work = await tempDir('patchline-updateinfo-');
    repository = await buildRepository(work, [
      { name: 'demo', version: '1.0', release: '1.el9', arch: 'noarch' },
      { name: 'demo', version: '1.1', release: '1.el9', arch: 'noarch' },
      { name: 'libfoo', version: '2.0', release: '1.el9', arch: 'x86_64' },
      { name: 'libfoo', version: '2.0', release: '2.el9', arch: 'x86_64' },
      { name: 'bystander', version: '1.0', release: '1.el9', arch: 'noarch' },
      { name: 'bystander', version: '1.1', release: '1.el9', arch: 'noarch' },
      { name: 'stable', version: '1.0', release: '1.el9', arch: 'noarch' },
    ]);
    const repo = join(work, 'repo');
    await writeFile(join(work, 'updateinfo.xml'), UPDATEINFO);
    for (const compression of ['gz', 'xz', 'zst']) {
      const copy = join(work, `repo-${compression}`);
      await cp(repo, copy, { recursive: true });
      // xz with SHA-512 checksums, to read a repomd.xml that does not use SHA-256.
      const options =
        compression === 'gz'
          ? ['--compress-type=gz']
          : compression === 'xz'
            ? ['--compress-type=xz', '--checksum=sha512']
            : ['--no-compress'];
      await run('modifyrepo_c', [
        '--mdtype=updateinfo',
        ...options,
        join(work, 'updateinfo.xml'),
        join(copy, 'repodata'),
      ]);
      if (compression === 'zst') await zstdUpdateinfo(join(copy, 'repodata'));
      repos.set(compression, copy);
    }
    // The root dnf installs from the gzip variant: the older builds, and `stable` at its fixed version.
    await writeFile(
      join(work, 'repos.d', 'patchline-test.repo'),
      `[patchline-test]\nname=patchline test\nbaseurl=file://${repos.get('gz')}\ngpgcheck=0\n`,
    );
    root = await dnfRoot(repository, join(work, 'root'), [
      { install: ['demo-1.0-1.el9', 'libfoo-2.0-1.el9', 'bystander-1.0-1.el9', 'stable-1.0-1.el9'] },
    ]);
    image = await rootImage(work, 'ol9', await baseLayerTar(join(work, 'ol'), ORACLE_9_OS_RELEASE), root);
    server = await startFeedServer();
  }, 300_000);

  afterAll(async () => {
    await server?.close();
  });

  it('imports over HTTP, checksum-verified, the security errata dnf reads from the repository', async () => {
    const url = await serve('ol9', repos.get('gz')!);
    const db = join(work, 'http.db');
    const result = await updateDatabase(db, [parseFeed(`updateinfo:${url}#os=ol:9`)], { http: quick });
    expect(result.feeds).toEqual([{ feed: `updateinfo:${url}`, files: 1, deletions: 0, verified: 1, notes: [] }]);
    expect(result.problems).toEqual([]);

    // dnf lists every erratum for the installed packages, applied or not; the bug fix is no advisory here.
    const dnf = await dnfUpdateinfo(['--all']);
    expect(dnf.map(([id]) => id)).toEqual(['ELSA-2026-0001', 'ELSA-2026-0002', 'ELSA-2026-0003', 'ELSA-2026-0004']);
    expect(await imported(db)).toEqual(await dnfSecurityErrata());
    expect(await sqlite(db, "SELECT count(*) FROM records WHERE source = 'updateinfo'")).toBe('3');
  });

  it('finds in the image exactly the security fixes dnf would still install, dated by the erratum', async () => {
    const db = await fromFileRepository('scan.db');
    const result = await scanImage(image.ref, { db, now: '2026-03-01T00:00:00Z' });
    expect(result.os).toMatchObject({ id: 'ol', versionId: '9.4' });
    expect(result.ecosystems).toEqual([{ ecosystem: 'Oracle Linux:9', source: 'updateinfo' }]);
    const available = await dnfUpdateinfo(['--security']);
    const found = result.findings
      .filter((finding) => finding.status === 'fix-available')
      .map((finding) => [finding.id, `${finding.package.name}-${finding.fixedVersion}.${finding.package.arch}`])
      .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
    expect(found).toEqual(available.map(([id, , nevra]) => [id, nevra]));
    expect(found.map(([id]) => id)).toEqual(['ELSA-2026-0001', 'ELSA-2026-0002']);
    const libfoo = result.findings.find((finding) => finding.id === 'ELSA-2026-0002');
    expect(libfoo).toMatchObject({
      cves: ['CVE-2026-2222'],
      fixAvailableSince: '2026-02-01T08:30:00.000Z',
      package: { installed: '2.0-1.el9' },
    });
  });

  it('asks again conditionally: an unchanged repomd.xml is a 304, and the updateinfo is not fetched again', async () => {
    const url = await serve('ol9-again', repos.get('gz')!);
    const db = join(work, 'again.db');
    const feed = parseFeed(`updateinfo:${url}#os=ol:9`);
    await updateDatabase(db, [feed], { http: quick });
    const second = await updateDatabase(db, [feed], { http: quick });
    expect(second.changed).toBe(false);
    const repomd = server.requests('/ol9-again/repodata/repomd.xml');
    expect(repomd.map((request) => request.status)).toEqual([200, 304]);
    expect(
      server.log.filter((request) => request.path.startsWith('/ol9-again/') && request.path.includes('updateinfo')),
    ).toHaveLength(1);
  });

  it.each(['gz', 'xz', 'zst'])(
    'reads a file: repository with %s updateinfo, inferring Oracle Linux 9 from the errata',
    async (compression) => {
      const db = join(work, `file-${compression}.db`);
      const url = pathToFileURL(repos.get(compression)!).href;
      const result = await updateDatabase(db, [parseFeed(`updateinfo:${url}`)]);
      expect(result.feeds[0]?.error).toBeUndefined();
      expect(result.feeds[0]).toMatchObject({ files: 1, verified: 1 });
      expect(await imported(db)).toEqual(await dnfSecurityErrata());
    },
  );

  it('keeps both halves of an erratum that two repositories each list in part, as BaseOS and AppStream do', async () => {
    const halves = {
      baseos: [['demo', '1.1', '1.el9', 'noarch']],
      appstream: [['libfoo', '2.0', '2.el9', 'x86_64']],
    } as Record<string, Array<[string, string, string, string]>>;
    const publish = async (name: string, packages: Array<[string, string, string, string]>) => {
      const xml = join(work, `updateinfo-${name}.xml`);
      await writeFile(
        xml,
        `<?xml version="1.0"?>\n<updates>\n${erratum('ELSA-2026-0100', 'security', '2026-03-01', 'CVE-2026-3333', packages)}\n</updates>\n`,
      );
      await run('modifyrepo_c', ['--mdtype=updateinfo', xml, join(work, `repo-${name}`, 'repodata')]);
    };
    for (const name of Object.keys(halves)) {
      await cp(join(work, 'repo'), join(work, `repo-${name}`), { recursive: true });
      await publish(name, halves[name]!);
    }
    const feeds = Object.keys(halves).map((name) =>
      parseFeed(`updateinfo:${pathToFileURL(join(work, `repo-${name}`)).href}#os=ol:9`),
    );
    const db = join(work, 'split.db');
    const entries = () => {
      const store = AdvisoryDatabase.open(db, { readonly: true });
      try {
        return store
          .lookup('Oracle Linux:9', ['demo', 'libfoo'])
          .filter((match) => match.advisory.id === 'ELSA-2026-0100')
          .map((match) => `${match.affected.package}-${match.affected.fixedVersion}`)
          .sort();
      } finally {
        store.close();
      }
    };
    await updateDatabase(db, feeds);
    expect(entries()).toEqual(['demo-1.1-1.el9', 'libfoo-2.0-2.el9']);
    // AppStream republishes its half with a newer build: BaseOS's half stays, AppStream's old half goes.
    await publish('appstream', [['libfoo', '2.0', '3.el9', 'x86_64']]);
    await updateDatabase(db, feeds);
    expect(entries()).toEqual(['demo-1.1-1.el9', 'libfoo-2.0-3.el9']);
  });

  it('refuses a file whose checksum is not the one repomd.xml gives, and keeps the database as it was', async () => {
    const db = await fromFileRepository('tampered.db');
    const before = await sqlite(db, 'SELECT count(*) FROM records');
    const good = gzipSync(UPDATEINFO);
    const tampered = gzipSync(UPDATEINFO.replace('1.1', '9.9'));
    const { repomd, href } = handRepomd(good);
    server.put('/tampered/repodata/repomd.xml', repomd);
    server.put(`/tampered/${href}`, tampered);
    const result = await updateDatabase(db, [parseFeed(`updateinfo:${server.url}/tampered/#os=ol:9`)], { http: quick });
    expect(result.feeds[0]?.error).toMatch(
      /SHA-256 of the downloaded file is [0-9a-f]{64}, but the publisher says [0-9a-f]{64}; the file was discarded/,
    );
    expect(result.changed).toBe(false);
    expect(await sqlite(db, 'SELECT count(*) FROM records')).toBe(before);
  });

  it('fails on a partial read, a truncated gzip file and an XML bomb, naming the file', async () => {
    const db = join(work, 'hostile.db');
    // The connection breaks half way (one attempt allowed): the file is never imported.
    const whole = gzipSync(UPDATEINFO);
    const served = handRepomd(whole);
    server.put('/partial/repodata/repomd.xml', served.repomd);
    server.put(`/partial/${served.href}`, whole);
    server.dropAfter(`/partial/${served.href}`, 40);
    // The publisher's own file is cut short, and repomd.xml describes the cut file: the checksum passes, gzip does not.
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const truncated = handRepomd(cut);
    server.put('/truncated/repodata/repomd.xml', truncated.repomd);
    server.put(`/truncated/${truncated.href}`, cut);
    // A billion laughs, checksummed correctly: entities are never expanded, the DOCTYPE is refused.
    const bombXml = `<?xml version="1.0"?>\n<!DOCTYPE updates [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;"><!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;">]>\n<updates><update type="security"><id>&l3;</id></update></updates>\n`;
    const bomb = gzipSync(bombXml);
    const bombed = handRepomd(bomb);
    server.put('/bomb/repodata/repomd.xml', bombed.repomd);
    server.put(`/bomb/${bombed.href}`, bomb);

    const feeds = ['partial', 'truncated', 'bomb'].map((name) =>
      parseFeed(`updateinfo:${server.url}/${name}/#os=ol:9`),
    );
    const result = await updateDatabase(db, feeds, { http: quick });
    const errors = Object.fromEntries(result.feeds.map((feed) => [feed.feed.split('/')[3], feed.error]));
    expect(errors.partial).toMatch(
      /partial\/repodata\/[0-9a-f]{64}-updateinfo\.xml\.gz: download failed after 1 attempts/,
    );
    expect(errors.truncated).toMatch(
      /truncated\/repodata\/[0-9a-f]{64}-updateinfo\.xml\.gz: is not valid gzip data \(unexpected end of file\)/,
    );
    expect(errors.bomb).toMatch(
      /bomb\/repodata\/.*updateinfo\.xml\.gz: is not well-formed XML at character \d+: a DOCTYPE declaration/,
    );
    expect(result.changed).toBe(false);
  });

  it('runs as `patchline db import updateinfo.xml.gz --os ol:9`, and exits 2 on a truncated file', async () => {
    ensureBuilt();
    const gz = join(work, 'import', 'updateinfo.xml.gz');
    await mkdir(join(work, 'import'), { recursive: true });
    await writeFile(gz, gzipSync(UPDATEINFO.replaceAll('ELSA-', 'ACME-')));
    const db = join(work, 'import.db');
    const ok = await execFile('node', [cliPath, 'db', 'import', gz, '--os', 'ol:9', '--db', db, '--format', 'json']);
    const report = JSON.parse(ok.stdout) as { added: number; problems: unknown[]; sources: Array<{ source: string }> };
    expect(report).toMatchObject({ added: 3, problems: [], sources: [{ source: 'updateinfo' }] });
    expect(await sqlite(db, 'SELECT group_concat(DISTINCT ecosystem) FROM affected')).toBe('Oracle Linux:9');

    // Without --os, ACME's errata say nothing of their distribution: each is a problem that says how to name it.
    const unnamed = await execFile('node', [cliPath, 'db', 'import', gz, '--db', join(work, 'unnamed.db')]);
    expect(unnamed.stderr).toMatch(
      /ACME-2026-0001: which distribution this erratum is for is not known; name it \(updateinfo:URL#os=ID:VERSION_ID, or db import --os\)/,
    );
    expect(await sqlite(join(work, 'unnamed.db'), 'SELECT count(*) FROM records')).toBe('0');

    await writeFile(gz, gzipSync(UPDATEINFO).subarray(0, 300));
    const cut = await execFile('node', [cliPath, 'db', 'import', gz, '--os', 'ol:9', '--db', db]).catch(
      (error) => error,
    );
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/updateinfo\.xml\.gz: is not valid gzip data/);
    // `db update` with a file: repository, as a user types it.
    const cliDb = join(work, 'cli-update.db');
    const source = `updateinfo:${pathToFileURL(repos.get('xz')!).href}#os=ol:9`;
    const updated = await execFile('node', [cliPath, 'db', 'update', '--source', source, '--db', cliDb]);
    expect(updated.stdout).toMatch(
      /updateinfo:file:\/\/.*repo-xz\/: 1 file\(s\), 0 deletion\(s\), 1 checksum-verified/,
    );
    expect(await imported(cliDb)).toEqual(await dnfSecurityErrata());
    const wrongOs = await execFile('node', [cliPath, 'db', 'import', gz, '--os', 'oracle:9', '--db', db]).catch(
      (error) => error,
    );
    expect(wrongOs.code).toBe(2);
    expect(wrongOs.stderr).toMatch(/--os: unknown os-release ID "oracle"/);
  });
});
