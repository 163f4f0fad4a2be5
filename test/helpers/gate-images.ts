import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/oci/layout-writer.js';
import { findProgram, run } from './real-images.js';

/**
 * AlmaLinux 9 images for the gate's tests, made with the real rpm tools: packages built by rpmbuild from small specs
 * (named and versioned as AlmaLinux's own builds, so the real AlmaLinux OSV records apply to them), installed by
 * `rpm --root` into a real rpmdb.sqlite at var/lib/rpm, on a base layer (os-release) written byte for byte the same
 * every time, so that a base image and the images built on it share that layer as real builds do.
 */

export const ALMALINUX_9_OS_RELEASE = `NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"
`;

export interface GateRpm {
  name: string;
  /** `[E:]V-R`, as AlmaLinux's advisories write it. */
  evr: string;
  /** Installs `usr/lib/modules/<V-R>.x86_64/vmlinuz`, where bootc finds the kernel. */
  kernel?: boolean;
}

export function gateToolsMissing(): string | undefined {
  for (const tool of ['rpmbuild', 'rpm', 'tar']) if (!findProgram(tool)) return `${tool} is not installed`;
  return undefined;
}

function split(evr: string): { epoch?: string; version: string; release: string } {
  const colon = evr.indexOf(':');
  const rest = colon === -1 ? evr : evr.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  const parts = { version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return colon === -1 ? parts : { ...parts, epoch: evr.slice(0, colon) };
}

function spec(rpm: GateRpm): string {
  const { epoch, version, release } = split(rpm.evr);
  const dir = rpm.kernel ? '/usr/lib/modules/%{version}-%{release}.%{_arch}' : `/usr/share/doc/${rpm.name}`;
  const file = rpm.kernel ? 'vmlinuz' : 'VERSION';
  return `Name: ${rpm.name}
${epoch ? `Epoch: ${epoch}\n` : ''}Version: ${version}
Release: ${release}
Summary: Patchline gate test package ${rpm.name}
License: MIT
BuildArch: x86_64
%define debug_package %{nil}
%description
Built for Patchline's gate tests.
%install
mkdir -p %{buildroot}${dir}
echo '${rpm.name} ${rpm.evr}' > %{buildroot}${dir}/${file}
%files
${dir}/${file}
`;
}

/** Builds the RPMs (once per name and EVR) and returns each one's file, by `name-evr`. */
export async function buildRpms(work: string, rpms: GateRpm[]): Promise<Map<string, string>> {
  const top = join(work, 'rpmbuild');
  const specs = join(work, 'specs');
  await mkdir(specs, { recursive: true });
  const built = new Map<string, string>();
  for (const rpm of rpms) {
    const key = `${rpm.name}-${rpm.evr}`;
    if (built.has(key)) continue;
    const file = join(specs, `${key.replace(/:/g, '_')}.spec`);
    await writeFile(file, spec(rpm));
    const before = new Set(await readdir(join(top, 'RPMS', 'x86_64')).catch(() => [] as string[]));
    await run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, file]);
    const made = (await readdir(join(top, 'RPMS', 'x86_64'))).filter((name) => !before.has(name));
    if (made.length !== 1) throw new Error(`rpmbuild of ${key} made ${made.join(', ') || 'nothing'}`);
    built.set(key, join(top, 'RPMS', 'x86_64', made[0]!));
  }
  return built;
}

/** The base layer's tar: os-release (with EL's etc symlink), written the same way every time. */
export async function baseLayer(work: string): Promise<string> {
  const root = await mkdtemp(join(work, 'base-root-'));
  await mkdir(join(root, 'usr/lib'), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'usr/lib/os-release'), ALMALINUX_9_OS_RELEASE);
  await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
  const tar = `${root}.tar`;
  await run('tar', [
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    '--mtime=@0',
    '--sort=name',
    '-C',
    root,
    '-cf',
    tar,
    '.',
  ]);
  return tar;
}

export interface GateImage {
  ref: string;
  dir: string;
  /** The root rpm installed into: `rpm --root ROOT -qa` is the oracle of what the image holds. */
  root: string;
}

/** An OCI layout image: the base layer, then a layer with the RPMs installed by `rpm --root`. */
export async function rpmImage(
  work: string,
  name: string,
  options: {
    base: string;
    rpms: string[];
    labels?: Record<string, string>;
    created?: string;
    extraBaseLayers?: string[];
  },
): Promise<GateImage> {
  const root = join(work, `${name}-root`);
  await mkdir(root, { recursive: true });
  if (options.rpms.length > 0) {
    await run('rpm', [
      '--root',
      root,
      '--dbpath',
      '/var/lib/rpm',
      '--define',
      '_db_backend sqlite',
      '-i',
      '--nodeps',
      '--ignorearch',
      '--ignoreos',
      '--noscripts',
      '--notriggers',
      ...options.rpms,
    ]);
  }
  const dir = join(work, name);
  const writer = new OciLayoutWriter(dir);
  await writer.addLayer(options.base, 'gzip');
  for (const extra of options.extraBaseLayers ?? []) await writer.addLayer(extra, 'gzip');
  const tar = `${dir}.tar`;
  await run('tar', ['--numeric-owner', '--sort=name', '-C', root, '-cf', tar, '.']);
  await writer.addLayer(tar, 'gzip');
  await writer.finish({
    tag: name,
    labels: { 'containers.bootc': '1', ...options.labels },
    ...(options.created ? { created: options.created } : {}),
  });
  return { ref: `oci:${dir}:${name}`, dir, root };
}

/** A base-only image (its layers, no packages), to push to a registry as the base others are built on. */
export async function baseImage(work: string, name: string, layers: string[]): Promise<string> {
  const dir = join(work, name);
  const writer = new OciLayoutWriter(dir);
  for (const layer of layers) await writer.addLayer(layer, 'gzip');
  await writer.finish({ tag: name });
  return dir;
}
