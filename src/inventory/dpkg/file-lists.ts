import type { FileRequest, FoundFile } from '../../rootfs/index.js';
import type { OwnerLookup } from '../kernel.js';
import { canonicalPath } from '../kernel.js';
import type { Package } from '../package.js';

/**
 * dpkg records the paths each package installed in `var/lib/dpkg/info/<name>.list`, or `<name>:<arch>.list` for a
 * package installed for several architectures (Multi-Arch: same). Reading them costs a few megabytes on a large image,
 * so the cataloger does not; a caller that needs file owners (the kernel's, say) asks for them.
 */
export const dpkgFileListRequests: FileRequest[] = [{ path: 'var/lib/dpkg/info/*.list' }];

const LIST_FILE = /^var\/lib\/dpkg\/info\/([^/:]+)(?::([^/]+))?\.list$/;

/** Which package owns a path, from the `.list` files among `files`, matched to the cataloged dpkg packages. */
export async function dpkgOwnerLookup(files: FoundFile[], packages: Package[]): Promise<OwnerLookup> {
  const byKey = new Map<string, Package>();
  for (const pkg of packages) {
    if (pkg.type !== 'deb') continue;
    byKey.set(`${pkg.name}:${pkg.arch ?? ''}`, pkg);
    if (!byKey.has(pkg.name)) byKey.set(pkg.name, pkg);
  }
  const owners = new Map<string, Package>();
  for (const file of files) {
    const match = LIST_FILE.exec(file.path);
    if (!match || !file.content) continue;
    const [, name, arch] = match;
    const pkg = arch === undefined ? byKey.get(name!) : byKey.get(`${name}:${arch}`);
    if (!pkg) continue;
    for (const line of (await file.content.text()).split('\n')) {
      // `/.` heads every list; folders are shared by many packages, but the first owner is as good as any for them.
      if (line === '' || line === '/.') continue;
      const path = canonicalPath(line);
      if (!owners.has(path)) owners.set(path, pkg);
    }
  }
  return (path) => owners.get(canonicalPath(path));
}
