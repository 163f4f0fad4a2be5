// Writes examples/bootc-demo: a tiny image shaped like a bootc (ostree container) image, so that a fresh clone has an
// image to inspect with no registry and no network. Run by make.sh, which passes the rpm database to put in it.
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pack } from 'tar-stream';
import { OciLayoutWriter } from '../../dist/oci/layout-writer.js';

const out = fileURLToPath(new URL('../../examples/bootc-demo', import.meta.url));
const rpmdb = await readFile(process.argv[2]);
const epoch = new Date('2026-11-01T00:00:00Z');

function tar(entries) {
  const archive = pack();
  const chunks = [];
  archive.on('data', (chunk) => chunks.push(chunk));
  const done = new Promise((resolve) => archive.on('end', () => resolve(Buffer.concat(chunks))));
  for (const entry of entries) {
    const header = { name: entry.name, mtime: epoch, uid: 0, gid: 0 };
    if (entry.dir) archive.entry({ ...header, type: 'directory', mode: 0o755 });
    else if (entry.symlink) archive.entry({ ...header, type: 'symlink', linkname: entry.symlink });
    else if (entry.hardlink) archive.entry({ ...header, type: 'link', linkname: entry.hardlink });
    else
      archive.entry(
        { ...header, type: 'file', mode: 0o644, size: Buffer.byteLength(entry.content) },
        Buffer.from(entry.content),
      );
  }
  archive.finalize();
  return done;
}

/** ostree stores each file once, named by its checksum; the real path is a hardlink to that object. */
function objectFor(path, content) {
  const sum = createHash('sha256').update(path).update(content).digest('hex');
  return { object: `sysroot/ostree/repo/objects/${sum.slice(0, 2)}/${sum.slice(2)}.file`, content };
}

function ostreeChunk(files) {
  const entries = [];
  for (const [path, content] of Object.entries(files)) {
    const { object } = objectFor(path, content);
    entries.push({ name: object, content });
    entries.push({ name: path, hardlink: object });
  }
  return entries;
}

const osRelease = [
  'NAME="Patchline Demo"',
  'ID=fedora',
  'VERSION_ID=42',
  'VARIANT_ID=bootc-demo',
  'PRETTY_NAME="Patchline demo bootc image (not bootable)"',
  '',
].join('\n');

await rm(out, { recursive: true, force: true });
const writer = new OciLayoutWriter(out);
await writer.addLayer(
  await tar([
    { name: 'usr/', dir: true },
    { name: 'usr/lib/', dir: true },
    ...ostreeChunk({
      'usr/lib/os-release': osRelease,
      'usr/lib/modules/6.11.4-301.fc42.x86_64/vmlinuz': 'kernel-core 6.11.4-301.fc42\n',
      'usr/lib/fedora-release': 'fedora-release-common 42-1\n',
      'usr/lib64/libssl.so.3': 'openssl-libs 3.2.2-3.fc42\n',
    }),
    { name: 'etc/os-release', symlink: '../usr/lib/os-release' },
    { name: 'usr/lib/bootc/install/00-demo.toml', content: '[install]\n' },
  ]),
);
await writer.addLayer(
  await tar([
    ...ostreeChunk({ 'usr/share/rpm/rpmdb.sqlite': rpmdb }),
    { name: 'usr/lib/sysimage/rpm', symlink: '../../share/rpm' },
    { name: 'var/lib/rpm', symlink: '../../usr/share/rpm' },
  ]),
);
await writer.addLayer(
  await tar([
    { name: 'etc/motd', content: 'Every available fix ships.\n' },
    { name: 'etc/.wh.issue', content: '' },
  ]),
);
const manifest = await writer.finish({
  tag: 'latest',
  created: '2026-11-01T00:00:00Z',
  labels: {
    'containers.bootc': '1',
    'ostree.bootable': 'true',
    'org.opencontainers.image.title': 'patchline bootc demo',
  },
});
console.log(`wrote ${out} (${manifest.digest})`);
