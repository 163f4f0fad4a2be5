import { isPatchlineError } from '../../core/index.js';
import type { FileRequest, FoundFile } from '../../rootfs/index.js';
import type { CatalogContext, Cataloger, CatalogResult } from '../cataloger.js';
import type { CatalogProblem, Package } from '../package.js';
import { readBerkeleyDb } from './bdb.js';
import { bufferSource, fileSource } from './byte-source.js';
import { RpmHeader } from './header.js';
import { readNdb } from './ndb.js';
import { packageFromHeader } from './package-record.js';
import type { HeaderRecord, ReadProblems } from './records.js';
import { type FileBytes, readSqlite } from './sqlite.js';

type Backend = 'sqlite' | 'ndb' | 'bdb';

/**
 * Where rpm keeps its database, in the order the cataloger prefers them. rpm itself reads exactly one database (its
 * `%_dbpath` with one backend), so an image with several distinct ones gets the first: the newer location before
 * the older (`/usr/lib/sysimage/rpm` is the dbpath of Fedora 36+, SUSE and bootc; bootc images keep the file in
 * `/usr/share/rpm`), and the newer backend before the older (a converted database may leave the old file behind).
 */
const DATABASES: { path: string; backend: Backend }[] = [
  { path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', backend: 'sqlite' },
  { path: 'usr/share/rpm/rpmdb.sqlite', backend: 'sqlite' },
  { path: 'var/lib/rpm/rpmdb.sqlite', backend: 'sqlite' },
  { path: 'usr/lib/sysimage/rpm/Packages.db', backend: 'ndb' },
  { path: 'var/lib/rpm/Packages.db', backend: 'ndb' },
  { path: 'var/lib/rpm/Packages', backend: 'bdb' },
];

const WAL_SUFFIX = '-wal';

/**
 * RPM packages from rpmdb: SQLite `rpmdb.sqlite`, NDB `Packages.db` or BerkeleyDB `Packages`. Header blobs are parsed
 * here, not by rpm. A database reached through several symlinked paths is read once. A database that breaks part way
 * gives the packages read so far and a problem saying where it broke.
 */
export const rpmCataloger: Cataloger = {
  name: 'rpm',
  requests: [
    // Databases can be 100+ MB: spooled to disk, not held in memory.
    ...DATABASES.map((database): FileRequest => ({ path: database.path, content: 'stream' })),
    ...DATABASES.filter((database) => database.backend === 'sqlite').map(
      (database): FileRequest => ({ path: database.path + WAL_SUFFIX, content: 'stream' }),
    ),
  ],

  async catalog(files: FoundFile[], context: CatalogContext): Promise<CatalogResult> {
    const chosen = chooseDatabase(files);
    if (!chosen) return { packages: [], problems: [], databases: [] };
    const { file, backend, path } = chosen;
    const wal = backend === 'sqlite' ? files.find((f) => realPath(f) === path + WAL_SUFFIX && f.content) : undefined;

    const packages: Package[] = [];
    const found: ReadProblems = [];
    try {
      for await (const record of headerRecords(file, wal, backend, path, found)) {
        const input = `${path}: header #${record.instance}`;
        try {
          const pkg = packageFromHeader(RpmHeader.parse(record.blob, input), path, context.os);
          // The database's layer is the last to install any package; the inventory refines it from the file list.
          if (file.layer) pkg.layer = file.layer;
          packages.push(pkg);
        } catch (error) {
          // rpm too skips a header it cannot import ("damaged header #N retrieved -- skipping").
          if (!isPatchlineError(error)) throw error;
          found.push(withoutPrefix(error.message, path));
        }
      }
    } catch (error) {
      if (!isPatchlineError(error)) throw error;
      found.push(withoutPrefix(error.message, path));
    }
    // An rpm-based OS always has packages (its release package at least): an empty database was emptied or replaced
    // (a layer with a fresh `rpm --initdb` hides every package below it), and must not read as an image with nothing.
    const family = context.os?.family;
    if (packages.length === 0 && found.length === 0 && (family === 'redhat' || family === 'suse')) {
      found.push(`holds no packages, but ${context.os?.prettyName ?? context.os?.id} installs its software with rpm`);
    }
    const problems: CatalogProblem[] = found.map((message) => ({ path, message }));
    return { packages, problems, databases: [path] };
  },
};

/** The first database in order of preference that the image has, named by its real path (symlinks resolved). */
function chooseDatabase(files: FoundFile[]): { file: FoundFile; backend: Backend; path: string } | undefined {
  for (const database of DATABASES) {
    const file = files.find((f) => f.request === database.path && f.content);
    if (file) return { file, backend: database.backend, path: realPath(file) };
  }
  return undefined;
}

function realPath(file: FoundFile): string {
  return file.resolvedPath ?? file.path;
}

async function* headerRecords(
  file: FoundFile,
  wal: FoundFile | undefined,
  backend: Backend,
  input: string,
  problems: ReadProblems,
): AsyncGenerator<HeaderRecord> {
  const content = file.content!;
  if (backend === 'sqlite') {
    yield* readSqlite(await fileBytes(file), wal && (await fileBytes(wal)), input, problems);
    return;
  }
  const source = content.spoolPath ? await fileSource(content.spoolPath) : bufferSource(await content.bytes());
  try {
    yield* backend === 'ndb' ? readNdb(source, input, problems) : readBerkeleyDb(source, input, problems);
  } finally {
    await source.close();
  }
}

async function fileBytes(file: FoundFile): Promise<FileBytes> {
  const content = file.content!;
  return content.spoolPath ? { path: content.spoolPath } : { bytes: await content.bytes() };
}

/** A problem's text without the database path, which the CatalogProblem carries on its own. */
function withoutPrefix(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
