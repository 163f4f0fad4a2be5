import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Images made by the real tools users use (debootstrap, podman, skopeo, umoci), so tests check that we read what they
 * write. Building them takes about half a minute, so each stage is built once and cached under
 * `$TMPDIR/patchline-real-images-<hash of the recipe>`; test files run in parallel forks, so a stage is built under a
 * lock folder into a scratch folder that is renamed into place only when complete. A later run reuses the cache.
 */

/** Bump when a recipe changes in a way the recipe text below does not show (e.g. a different tool invocation). */
const BUILDER_VERSION = 3;
const SUITE = 'bookworm';
const TAG = 'v1';

// The podman build on top of the imported rootfs: layer 2 deletes a file and a folder and adds a file (real `.wh.`
// whiteouts); layer 3 replaces a folder (an opaque folder with the overlay driver, one whiteout per child with vfs),
// adds a symlink and appends to os-release, so reading etc/os-release must resolve a link to an upper layer's copy.
const CONTAINERFILE = `FROM localhost/patchline-base:1
RUN rm /etc/debian_version && rm -rf /usr/share/doc/gzip && printf 'added by layer 2\\n' > /etc/patchline-added
RUN rm -rf /usr/share/doc/apt && mkdir /usr/share/doc/apt && echo replaced > /usr/share/doc/apt/README \\
 && ln -s ../lib/os-release /usr/share/os-release && echo PATCHLINE_LAYER=3 >> /usr/lib/os-release
`;

// podman as root needs these settings in this sandbox (see TOOLS.md).
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:4096", "nproc=1024:1024"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
`;

const RECIPE_HASH = createHash('sha256')
  .update(JSON.stringify({ BUILDER_VERSION, SUITE, CONTAINERFILE, CONTAINERS_CONF }))
  .digest('hex')
  .slice(0, 12);

/** The cache folder all stages live in. */
export const REAL_IMAGES_DIR = join(tmpdir(), `patchline-real-images-${RECIPE_HASH}`);

/** Why real images cannot be built here (no debootstrap, no mirror, not root); tests skip with this message. */
export interface Unavailable {
  unavailable: string;
}

export function isUnavailable(value: unknown): value is Unavailable {
  return typeof value === 'object' && value !== null && 'unavailable' in value;
}

export interface PodmanImages {
  /** Which containers-storage driver built the image: overlay writes opaque folders, vfs does not. */
  storageDriver: 'overlay' | 'vfs';
  /** `oci:DIR:v1` as `podman push` wrote it. */
  oci: string;
  /** `oci-archive:FILE:v1`, `skopeo copy` of the layout. */
  ociArchive: string;
  /** `docker-archive:FILE`, `podman save --format docker-archive`. */
  dockerArchive: string;
  /** `umoci unpack` of the `oci:` image: the real tool's merged file tree, our oracle. */
  unpacked: string;
}

export interface UmociImages {
  /** The OCI layout umoci wrote; tags v1 (content), v2 (changes on v1), v3 (a folder replaced by a symlink). */
  layout: string;
  v1: string;
  v2: string;
  v3: string;
  /** `umoci unpack` of v1 and v2. */
  unpackedV1: string;
  unpackedV2: string;
}

export interface RealImages {
  /** `debootstrap --variant=minbase bookworm`, with apt's caches removed as Debian's container images do. */
  rootfs: string;
  podman: PodmanImages;
  umoci: UmociImages;
}

// ---------------------------------------------------------------------------------------------------------------
// Running tools

interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs a program and returns its stdout; a non-zero exit throws with its stderr, so a failure says what failed. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-15).join('\n');
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}`));
      }
    });
  });
}

/** The full path of a program, looking in the sbin folders too (debootstrap lives in /usr/sbin). */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function requireProgram(name: string): string {
  const path = findProgram(name);
  if (!path) {
    throw new Error(`${name} is needed to build the real-tool test images: apt-get install -y ${name} (see TOOLS.md)`);
  }
  return path;
}

// ---------------------------------------------------------------------------------------------------------------
// Caching

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Returns `REAL_IMAGES_DIR/name`, building it with `build(scratch)` first if it is not there. The lock is a folder
 * (mkdir is atomic) holding the builder's pid, so a lock left by a killed run is recognised and taken over.
 */
export async function cachedStage(name: string, build: (scratch: string) => Promise<void>): Promise<string> {
  const final = join(REAL_IMAGES_DIR, name);
  const lock = `${final}.lock`;
  await mkdir(REAL_IMAGES_DIR, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  while (!(await exists(final))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    try {
      await mkdir(lock);
    } catch {
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(owner) && !processAlive(owner)) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      await writeFile(join(lock, 'pid'), String(process.pid));
      if (await exists(final)) break;
      // Holding the lock, any scratch folder of this stage is a killed build's leftover.
      for (const leftover of await readdir(REAL_IMAGES_DIR)) {
        if (leftover.startsWith(`${name}.building-`)) await removeTree(join(REAL_IMAGES_DIR, leftover));
      }
      const scratch = `${final}.building-${process.pid}`;
      await mkdir(scratch, { recursive: true });
      try {
        await build(scratch);
        await rename(scratch, final);
      } catch (error) {
        await removeTree(scratch);
        throw error;
      }
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  return final;
}

/** Removes a folder, first unmounting anything mounted below it (podman's overlay driver bind-mounts its folder). */
async function removeTree(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run('umount', ['-l', point]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Stage 1: the debootstrap rootfs

/** The first Debian mirror in the machine's apt sources (deb822 or one-line format). */
export function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822?.[1] && !deb822[1].includes('security')) return deb822[1];
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (line?.[1]) return line[1];
  }
  return 'http://deb.debian.org/debian';
}

/** Why debootstrap cannot run here, or undefined when it can. */
async function debootstrapUnavailable(mirror: string): Promise<string | undefined> {
  if (!findProgram('debootstrap')) return 'debootstrap is not installed (apt-get install -y debootstrap)';
  if (process.getuid?.() !== 0) return 'debootstrap needs root';
  try {
    const response = await fetch(`${mirror}/dists/${SUITE}/Release`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return `the Debian mirror ${mirror} answered ${response.status}`;
  } catch (error) {
    return `the Debian mirror ${mirror} is unreachable (${(error as Error).message})`;
  }
  return undefined;
}

/** A real Debian rootfs (`debootstrap --variant=minbase bookworm`), or why it cannot be made here. */
export async function debianRootfs(): Promise<string | Unavailable> {
  const final = join(REAL_IMAGES_DIR, 'debian');
  if (!(await exists(final))) {
    const why = await debootstrapUnavailable(debianMirror());
    if (why) return { unavailable: `real-tool images skipped: ${why}` };
  }
  const stage = await cachedStage('debian', async (scratch) => {
    const rootfs = join(scratch, 'rootfs');
    await run(requireProgram('debootstrap'), ['--variant=minbase', SUITE, rootfs, debianMirror()]);
    // Debian's own container images (debuerreotype) drop the downloaded .debs and apt lists: 80 MB nobody reads.
    await run('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*', 'sh', rootfs]);
  });
  return join(stage, 'rootfs');
}

// ---------------------------------------------------------------------------------------------------------------
// Stage 2: podman import + build, pushed and saved in three transports

async function buildWithPodman(rootfs: string, scratch: string, driver: 'overlay' | 'vfs'): Promise<void> {
  const storage = join(scratch, `storage-${driver}`);
  await mkdir(storage, { recursive: true });
  // podman refuses a runroot path longer than 50 characters, so its run and tmp folders live in a short one.
  const runDir = await mkdtemp(join(tmpdir().length > 20 ? '/tmp' : tmpdir(), 'pl-podman-'));
  const conf = join(scratch, 'containers.conf');
  await writeFile(conf, CONTAINERS_CONF);
  const env = { CONTAINERS_CONF: conf };
  const podman = (...args: string[]) =>
    run(
      requireProgram('podman'),
      [
        '--root',
        join(storage, 'root'),
        '--runroot',
        join(runDir, 'run'),
        '--tmpdir',
        join(runDir, 'tmp'),
        '--storage-driver',
        driver,
        '--events-backend',
        'none',
        ...args,
      ],
      { env },
    );
  try {
    const baseTar = join(scratch, 'base.tar');
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', baseTar, '.']);
    await podman('import', baseTar, 'localhost/patchline-base:1');
    await rm(baseTar);
    const context = join(scratch, 'context');
    await mkdir(context);
    await writeFile(join(context, 'Containerfile'), CONTAINERFILE);
    await podman('build', '--network=none', '-t', 'localhost/patchline-test:1', context);
    await podman('push', 'localhost/patchline-test:1', `oci:${join(scratch, 'oci')}:${TAG}`);
    await podman(
      'save',
      '--format',
      'docker-archive',
      '-o',
      join(scratch, 'docker-archive.tar'),
      'localhost/patchline-test:1',
    );
  } finally {
    await removeTree(storage);
    await removeTree(runDir);
  }
}

async function podmanImages(rootfs: string): Promise<PodmanImages> {
  const stage = await cachedStage('podman', async (scratch) => {
    requireProgram('runc');
    let storageDriver: PodmanImages['storageDriver'] = 'overlay';
    try {
      await buildWithPodman(rootfs, scratch, 'overlay');
    } catch (overlayError) {
      // The overlay driver needs kernel overlayfs; where it is not allowed, vfs works everywhere (without opaque dirs).
      console.warn(`podman with the overlay driver failed, using vfs: ${(overlayError as Error).message}`);
      storageDriver = 'vfs';
      await rm(join(scratch, 'oci'), { recursive: true, force: true });
      await buildWithPodman(rootfs, scratch, 'vfs');
    }
    const oci = `oci:${join(scratch, 'oci')}:${TAG}`;
    await run(requireProgram('skopeo'), [
      'copy',
      '--quiet',
      oci,
      `oci-archive:${join(scratch, 'oci-archive.tar')}:${TAG}`,
    ]);
    await run(requireProgram('umoci'), [
      'unpack',
      '--image',
      `${join(scratch, 'oci')}:${TAG}`,
      join(scratch, 'unpacked'),
    ]);
    await writeFile(join(scratch, 'build.json'), JSON.stringify({ storageDriver }));
  });
  const { storageDriver } = JSON.parse(await readFile(join(stage, 'build.json'), 'utf8')) as Pick<
    PodmanImages,
    'storageDriver'
  >;
  return {
    storageDriver,
    oci: `oci:${join(stage, 'oci')}:${TAG}`,
    ociArchive: `oci-archive:${join(stage, 'oci-archive.tar')}:${TAG}`,
    dockerArchive: `docker-archive:${join(stage, 'docker-archive.tar')}`,
    unpacked: join(stage, 'unpacked', 'rootfs'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Stage 3: an image made by umoci from scratch, changed between repacks

async function umociImages(rootfs: string): Promise<UmociImages> {
  const stage = await cachedStage('umoci', async (scratch) => {
    const umoci = (...args: string[]) => run(requireProgram('umoci'), args);
    const layout = join(scratch, 'layout');
    const bundle = join(scratch, 'bundle');
    const tree = join(bundle, 'rootfs');
    await umoci('init', '--layout', layout);
    await umoci('new', '--image', `${layout}:base`);
    await umoci('unpack', '--image', `${layout}:base`, bundle);

    // v1: a slice of the Debian rootfs (config, os-release, the dpkg database, package docs with their symlinks).
    for (const path of ['etc', 'usr/lib/os-release', 'var/lib/dpkg', 'usr/share/doc']) {
      await cp(join(rootfs, path), join(tree, path), {
        recursive: true,
        preserveTimestamps: true,
        verbatimSymlinks: true,
      });
    }
    await umoci('repack', '--refresh-bundle', '--image', `${layout}:v1`, bundle);

    // v2: add, modify and delete files, replace a folder by a folder and a folder by a file. umoci writes one
    // `.wh.NAME` per deleted path (it never writes an opaque marker).
    await writeFile(join(tree, 'etc/patchline-added'), 'added by umoci v2\n');
    await writeFile(join(tree, 'etc/hostname'), 'patchline-umoci\n');
    await rm(join(tree, 'etc/debian_version'));
    await rm(join(tree, 'usr/share/doc/apt'), { recursive: true });
    await mkdir(join(tree, 'usr/share/doc/apt'));
    await writeFile(join(tree, 'usr/share/doc/apt/README'), 'replaced by umoci v2\n');
    await rm(join(tree, 'usr/share/doc/gzip'), { recursive: true });
    await writeFile(join(tree, 'usr/share/doc/gzip'), 'a file where a folder was\n');
    await umoci('repack', '--refresh-bundle', '--image', `${layout}:v2`, bundle);

    // v3: a folder replaced by a symlink to a sibling folder. umoci writes the symlink and then whiteouts *under* it
    // for the folder's old children; see the test that reads it.
    await rm(join(tree, 'usr/share/doc/bash'), { recursive: true });
    await symlink('dash', join(tree, 'usr/share/doc/bash'));
    await umoci('repack', '--image', `${layout}:v3`, bundle);
    await rm(bundle, { recursive: true });

    await umoci('unpack', '--image', `${layout}:v1`, join(scratch, 'unpacked-v1'));
    await umoci('unpack', '--image', `${layout}:v2`, join(scratch, 'unpacked-v2'));
  });
  const layout = join(stage, 'layout');
  return {
    layout,
    v1: `oci:${layout}:v1`,
    v2: `oci:${layout}:v2`,
    v3: `oci:${layout}:v3`,
    unpackedV1: join(stage, 'unpacked-v1', 'rootfs'),
    unpackedV2: join(stage, 'unpacked-v2', 'rootfs'),
  };
}

/** Every real-tool image, built on first use (about 40 s) and cached; or why they cannot be built here. */
export async function realImages(): Promise<RealImages | Unavailable> {
  const rootfs = await debianRootfs();
  if (isUnavailable(rootfs)) return rootfs;
  const podman = await podmanImages(rootfs);
  const umoci = await umociImages(rootfs);
  return { rootfs, podman, umoci };
}
