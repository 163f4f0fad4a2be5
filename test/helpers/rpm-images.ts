import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OciLayoutWriter } from '../../src/oci/layout-writer.js';
import { findProgram, run } from './real-images.js';

/**
 * Images made the way an rpm distribution makes them: real RPMs built with rpmbuild from small specs, a real
 * repository made by createrepo_c, and root filesystems populated by dnf (`--installroot`, the local repository
 * only). Each root becomes one layer on top of a base layer shared by every image (os-release of AlmaLinux 9.4 and the
 * usual folders), written with the same bytes so that its blob is the same in every image, as a rebuilt image on an
 * unchanged base has it. The images carry `containers.bootc=1`: the kernel they boot is the one dnf put in
 * `usr/lib/modules`.
 */

export const ALMALINUX_9_OS_RELEASE = `NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
`;

export interface TestRpm {
  name: string;
  version: string;
  release: string;
  arch: 'noarch' | 'x86_64';
  /** A kernel package: installs `usr/lib/modules/<version>-<release>.<arch>/vmlinuz` and is installonly for dnf. */
  kernel?: boolean;
}

/** What dnf does to a root, in order; the root of the previous step is the start of the next. */
export type DnfStep = { install: string[] } | { upgrade: string[] } | { remove: string[] };

export interface RpmImage {
  /** `oci:DIR:TAG` */
  ref: string;
  /** The root dnf populated; its rpm database is the oracle (`rpm --dbpath ROOT/var/lib/rpm -qa`). */
  root: string;
}

/** Why these images cannot be built here (a tool missing); tests skip with it. */
export function rpmToolsMissing(): string | undefined {
  for (const tool of ['rpmbuild', 'createrepo_c', 'dnf', 'rpm', 'skopeo', 'tar']) {
    if (!findProgram(tool)) return `${tool} is not installed (scripts/test.sh installs createrepo-c, dnf, rpm, skopeo)`;
  }
  return undefined;
}

function spec(rpm: TestRpm): string {
  const files = rpm.kernel
    ? { dir: '/usr/lib/modules/%{version}-%{release}.%{_arch}', name: 'vmlinuz' }
    : { dir: `/usr/share/${rpm.name}`, name: 'VERSION' };
  return `Name: ${rpm.name}
Version: ${rpm.version}
Release: ${rpm.release}
Summary: Patchline test package ${rpm.name}
License: MIT
BuildArch: ${rpm.arch}
${rpm.kernel ? 'Provides: installonlypkg(kernel)\n' : ''}%define debug_package %{nil}
%description
A package built for Patchline's image diff tests.
%install
mkdir -p %{buildroot}${files.dir}
echo '${rpm.name} %{version}-%{release}' > %{buildroot}${files.dir}/${files.name}
%files
${files.dir}/${files.name}
`;
}

/** Builds the RPMs and a createrepo_c repository of all of them; returns the dnf options that use only it. */
export async function buildRepository(
  work: string,
  rpms: TestRpm[],
): Promise<{ dnf: string[]; env: Record<string, string> }> {
  const home = join(work, 'home');
  const top = join(work, 'rpmbuild');
  await mkdir(home, { recursive: true });
  // Debian's rpm keeps its database in ~/.rpmdb; a root for an EL image has it in /var/lib/rpm, as EL's rpm does.
  await writeFile(join(home, '.rpmmacros'), `%_dbpath /var/lib/rpm\n%_topdir ${top}\n`);
  const env = { HOME: home };
  const specs = join(work, 'specs');
  await mkdir(specs, { recursive: true });
  for (const rpm of rpms) {
    const file = join(specs, `${rpm.name}-${rpm.version}-${rpm.release}.spec`);
    await writeFile(file, spec(rpm));
    await run('rpmbuild', ['-bb', '--quiet', file], { env });
  }
  const repo = join(work, 'repo');
  await mkdir(repo, { recursive: true });
  for (const arch of new Set(rpms.map((rpm) => rpm.arch))) {
    await run('sh', ['-c', 'cp "$1"/*.rpm "$2"/', 'sh', join(top, 'RPMS', arch), repo]);
  }
  await run('createrepo_c', ['--quiet', repo]);
  const reposDir = join(work, 'repos.d');
  await mkdir(reposDir, { recursive: true });
  await writeFile(
    join(reposDir, 'patchline-test.repo'),
    `[patchline-test]\nname=patchline test\nbaseurl=file://${repo}\ngpgcheck=0\n`,
  );
  const dnf = [
    '-y',
    '-q',
    `--setopt=reposdir=${reposDir}`,
    '--disablerepo=*',
    '--enablerepo=patchline-test',
    '--releasever=9',
    '--setopt=install_weak_deps=False',
  ];
  return { dnf, env };
}

/** Applies dnf steps to a root (a copy of `from` when given). */
export async function dnfRoot(
  repository: { dnf: string[]; env: Record<string, string> },
  root: string,
  steps: DnfStep[],
  from?: string,
): Promise<string> {
  if (from) await cp(from, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  for (const step of steps) {
    const [verb, specs] =
      'install' in step
        ? ['install', step.install]
        : 'upgrade' in step
          ? ['upgrade', step.upgrade]
          : ['remove', step.remove];
    await run('dnf', [...repository.dnf, `--installroot=${root}`, verb, ...specs], { env: repository.env });
  }
  return root;
}

/** The shared base layer's tar: os-release (with the etc symlink EL has) and the usual top folders. */
export async function baseLayerTar(work: string, osRelease = ALMALINUX_9_OS_RELEASE): Promise<string> {
  const base = join(work, 'base-root');
  await mkdir(join(base, 'usr/lib'), { recursive: true });
  await mkdir(join(base, 'etc'), { recursive: true });
  await writeFile(join(base, 'usr/lib/os-release'), osRelease);
  await symlink('../usr/lib/os-release', join(base, 'etc/os-release'));
  const tar = join(work, 'base.tar');
  await run('tar', ['--numeric-owner', '--mtime=@0', '--sort=name', '-C', base, '-cf', tar, '.']);
  return tar;
}

/** An OCI layout `parent/name` holding base + the root (without dnf's caches and logs, as images are built). */
export async function rootImage(parent: string, name: string, baseTar: string, root: string): Promise<RpmImage> {
  const dir = join(parent, name);
  const writer = new OciLayoutWriter(dir);
  await writer.addLayer(await readFile(baseTar), 'gzip');
  const tar = `${dir}.tar`;
  await run('tar', [
    '--numeric-owner',
    '--sort=name',
    '--exclude=./var/cache',
    '--exclude=./var/log',
    '-C',
    root,
    '-cf',
    tar,
    '.',
  ]);
  await writer.addLayer(tar, 'gzip');
  await writer.finish({ tag: name, labels: { 'containers.bootc': '1' } });
  return { ref: `oci:${dir}:${name}`, root };
}
