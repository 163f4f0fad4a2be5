import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatchlineError } from '../../core/index.js';
import { readCompressedDocument, uncompressedName } from '../compressed-document.js';
import type { DigestAlgorithm } from '../download.js';
import { readUpdateinfo } from '../importers/updateinfo.js';
import { xmlEvents } from '../importers/xml-events.js';
import { emptyFetch, type FeedContext, type FeedFetch, getFile } from './feed-fetch.js';

/**
 * An rpm repository's updateinfo, as dnf finds it: `repodata/repomd.xml` (fetched conditionally: a 304 means nothing
 * changed) names the updateinfo file, its size and its checksum. The file is fetched only when its checksum differs
 * from the one the last sync imported (the watermark), verified against the checksum before anything reads it, and
 * read whole once before the import so that a damaged or hostile file fails the feed rather than importing nothing.
 * `file:` repositories are read from disk with the same checks.
 */

interface RepomdEntry {
  href: string;
  algorithm: DigestAlgorithm;
  hex: string;
  size?: number;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  sha: 'sha1',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
};

/** The `<data type="updateinfo">` entry of a repomd.xml; throws when there is none or it is malformed. */
export function updateinfoEntry(text: string, input: string): RepomdEntry {
  let inUpdateinfo = false;
  let inChecksum = false;
  let inSize = false;
  let algorithm = '';
  let hex = '';
  let size = '';
  let href: string | undefined;
  let found = false;
  for (const event of xmlEvents(text, input)) {
    if (event.type === 'open') {
      if (event.name === 'data' && event.attributes.type === 'updateinfo') {
        if (found) throw new PatchlineError('input', input, 'lists two updateinfo files');
        inUpdateinfo = found = true;
      } else if (inUpdateinfo && event.name === 'checksum') {
        inChecksum = true;
        algorithm = event.attributes.type ?? '';
      } else if (inUpdateinfo && event.name === 'size') {
        inSize = true;
      } else if (inUpdateinfo && event.name === 'location') {
        if (event.attributes.base !== undefined) {
          throw new PatchlineError(
            'unsupported',
            input,
            'places updateinfo under another xml:base, which is not followed',
          );
        }
        href = event.attributes.href;
      }
    } else if (event.type === 'text') {
      if (inChecksum) hex += event.text;
      if (inSize) size += event.text;
    } else {
      if (event.name === 'checksum') inChecksum = false;
      if (event.name === 'size') inSize = false;
      if (event.name === 'data') inUpdateinfo = false;
    }
  }
  if (!found) throw new PatchlineError('not-found', input, 'lists no updateinfo: this repository publishes no errata');
  const digest = ALGORITHMS[algorithm];
  if (digest === undefined) {
    throw new PatchlineError(
      'unsupported',
      input,
      `gives the updateinfo checksum as "${algorithm}" (read: ${Object.keys(ALGORITHMS).join(', ')})`,
    );
  }
  hex = hex.trim().toLowerCase();
  const length = createHash(digest).digest('hex').length;
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
    throw new PatchlineError(
      'input',
      input,
      `gives an updateinfo ${algorithm} checksum that is not ${length} hex digits`,
    );
  }
  // The location stays inside the repository: relative, no `..`, no scheme, and one of the compressions read here.
  if (href === undefined || /^[a-z][a-z0-9+.-]*:|^\/|(^|\/)\.\.(\/|$)|[?#\\]/i.test(href)) {
    throw new PatchlineError(
      'input',
      input,
      `gives the updateinfo location "${href ?? ''}", not a path inside the repository`,
    );
  }
  const entry: RepomdEntry = { href, algorithm: digest, hex };
  if (/^\d+$/.test(size.trim())) entry.size = Number(size.trim());
  return entry;
}

/** The name the file is stored under: `updateinfo.xml` plus the compression suffix it has. */
function localName(href: string, input: string): string {
  const base = href.slice(href.lastIndexOf('/') + 1);
  if (/\.xml$/i.test(base)) return 'updateinfo.xml';
  const uncompressed = uncompressedName(base);
  if (uncompressed === undefined) {
    throw new PatchlineError(
      'unsupported',
      input,
      `names updateinfo "${base}": only .xml, .xml.gz, .xml.xz and .xml.zst are read`,
    );
  }
  return `updateinfo.xml${base.slice(uncompressed.length)}`;
}

export async function fetchUpdateinfo(context: FeedContext): Promise<FeedFetch> {
  const result = emptyFetch(context.previous);
  const local = context.feed.base.startsWith('file:');
  const repomdUrl = `${context.feed.base}repodata/repomd.xml`;
  let repomd: string;
  if (local) {
    repomd = await readLocal(repomdUrl, context.limits.maxDocumentBytes);
  } else {
    const path = await getFile(context, result, repomdUrl, 'repomd.xml', {
      conditional: context.previous !== undefined,
      maxBytes: context.limits.maxDocumentBytes,
    });
    if (path === undefined) return result;
    repomd = await readFile(path, 'utf8');
  }
  const entry = updateinfoEntry(repomd, repomdUrl);
  const watermark = `${entry.algorithm}:${entry.hex}`;
  // The repository changed (new packages), its errata did not.
  if (context.previous?.watermark === watermark) return result;

  const url = `${context.feed.base}${entry.href}`;
  const name = localName(entry.href, url);
  let path: string;
  if (local) {
    path = await copyVerified(url, join(context.dir, name), entry, context.limits.maxArchiveBytes);
    result.verified++;
  } else {
    const options = {
      conditional: false,
      remember: false,
      maxBytes: context.limits.maxArchiveBytes,
      digest: { algorithm: entry.algorithm, hex: entry.hex },
    };
    path = (await getFile(context, result, url, name, options))!;
  }
  const size = (await stat(path)).size;
  if (entry.size !== undefined && size !== entry.size) {
    throw new PatchlineError('integrity', url, `is ${size} bytes, but repomd.xml says ${entry.size}`);
  }
  // Read once now: a truncated stream, a DOCTYPE or broken XML fails this feed, leaving the database as it was.
  const text =
    name === 'updateinfo.xml'
      ? await readFile(path, 'utf8')
      : await readCompressedDocument(path, url, context.limits.maxDocumentBytes);
  readUpdateinfo(text.toString(), url, context.feed.os === undefined ? {} : { ecosystem: context.feed.os });
  result.paths.push(path);
  result.watermark = watermark;
  return result;
}

async function readLocal(url: string, maxBytes: number): Promise<string> {
  return (await readLocalBytes(url, maxBytes)).toString('utf8');
}

async function readLocalBytes(url: string, maxBytes: number): Promise<Buffer> {
  const path = fileURLToPath(url);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new PatchlineError('not-found', url, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (size > maxBytes) throw new PatchlineError('limit', url, `is ${size} bytes, more than the ${maxBytes} allowed`);
  return readFile(path);
}

/** Copies a local repository's file into the download folder, checking the copy's checksum against repomd.xml. */
async function copyVerified(url: string, target: string, entry: RepomdEntry, maxBytes: number): Promise<string> {
  const bytes = await readLocalBytes(url, maxBytes);
  const actual = createHash(entry.algorithm).update(bytes).digest('hex');
  if (actual !== entry.hex) {
    throw new PatchlineError(
      'integrity',
      url,
      `${entry.algorithm.toUpperCase()} of the file is ${actual}, but repomd.xml says ${entry.hex}`,
    );
  }
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(target, bytes);
  return target;
}
