import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { compileGlob, globBase, isGlob, normalizeRequestPath, PatchlineError } from '../core/index.js';
import type { Image } from '../oci/index.js';
import { FileContent } from './file-content.js';
import type { FileRequest, FileTree, FoundFile, ReadOptions, ReadResult, ReadStats } from './file-tree.js';
import { addToLayerIndex, emptyLayerIndex, type LayerIndex } from './layer-index.js';
import { type ContentLocation, MergedTree, type Resolution } from './merged-tree.js';
import type { EntryBody } from './tar-entries.js';
import { readTarEntries } from './tar-entries.js';

const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
type Mode = 'buffer' | 'stream';

interface CompiledRequest {
  request: FileRequest;
  path: string;
  glob?: RegExp;
  mode: Mode | 'none';
}

const key = (location: ContentLocation) => `${location.layer}\0${location.path}`;

/**
 * An image's merged file tree, read in as few layer passes as the requests allow. Layers are read newest first; every
 * layer's entry list is kept (metadata only), and file content only for paths that a request, or a symlink or hardlink
 * on a request's way, points at. When every request is an exact path and the layers read so far settle all of them,
 * the lower layers are never opened, so a registry image downloads only what it must.
 */
export class LayeredTree implements FileTree {
  private readonly indexes: Array<LayerIndex | undefined>;

  constructor(readonly image: Image) {
    this.indexes = new Array(image.layers.length).fill(undefined);
  }

  get name(): string {
    return this.image.name;
  }

  async close(): Promise<void> {
    await this.image.close();
  }

  async read(requests: FileRequest[], options: ReadOptions = {}): Promise<ReadResult> {
    const compiled = requests.map(compileRequest);
    const run = new ReadRun(this.image, this.indexes, compiled, options);
    try {
      return await run.execute();
    } catch (error) {
      await run.dispose();
      throw error;
    }
  }
}

class ReadRun {
  private readonly captured = new Map<string, FileContent>();
  /** Exact paths whose content is wanted: the exact requests, then where links on their way lead, learned while reading. */
  private readonly wantedPaths = new Map<string, Mode>();
  private readonly contentGlobs: CompiledRequest[];
  private spoolDir: string | undefined;
  private spooled = 0;
  private readonly stats: ReadStats;
  private readonly layersTouched = new Set<number>();
  private readonly downloadedBefore: number;

  constructor(
    private readonly image: Image,
    private readonly indexes: Array<LayerIndex | undefined>,
    private readonly requests: CompiledRequest[],
    private readonly options: ReadOptions,
  ) {
    this.stats = {
      layers: image.layers.length,
      layersRead: 0,
      layerReads: 0,
      bytesRead: 0,
      bytesUncompressed: 0,
      bytesDownloaded: 0,
    };
    this.downloadedBefore = image.bytesDownloaded();
    // Exact paths go in a map so that thousands of them (a cataloger asking where each package's files sit) stay cheap.
    for (const request of requests) {
      if (request.mode !== 'none' && !request.glob) this.want(request.path, request.mode);
    }
    this.contentGlobs = requests.filter((request) => request.glob && request.mode !== 'none');
  }

  private want(path: string, mode: Mode): void {
    if (this.wantedPaths.get(path) !== 'stream') this.wantedPaths.set(path, mode);
  }

  async execute(): Promise<ReadResult> {
    const everyExact = this.requests.every((r) => r.glob === undefined);
    const topDown = this.image.layers.map((l) => l.index).reverse();
    const unread = topDown.filter((i) => this.indexes[i] === undefined);
    await this.readLayers(
      unread,
      (_layer, path) => this.wantedOnFirstPass(path),
      everyExact ? () => this.settled() : undefined,
    );

    const tree = new MergedTree(this.indexes, this.image.name);
    const answers = this.requests.map((request) => ({ request, found: this.answer(tree, request) }));
    const needed = new Map<string, { location: ContentLocation; mode: Mode }>();
    for (const { request, found } of answers) {
      if (request.mode === 'none') continue;
      for (const { resolution } of found) {
        if (resolution.state !== 'present' || !resolution.content || this.captured.has(key(resolution.content)))
          continue;
        needed.set(key(resolution.content), { location: resolution.content, mode: request.mode });
      }
    }
    if (needed.size > 0) {
      // Content that only links revealed, in layers already passed (e.g. an ostree object a later hardlink names).
      const layers = [...new Set([...needed.values()].map((n) => n.location.layer))].sort((a, b) => b - a);
      await this.readLayers(layers, (layer, path) => needed.get(key({ layer, path }))?.mode, undefined);
    }

    const files: FoundFile[] = [];
    const missing: string[] = [];
    for (const { request, found } of answers) {
      if (found.length === 0) missing.push(request.request.path);
      for (const { path, resolution } of found) {
        if (resolution.state !== 'present') continue;
        files.push(this.toFoundFile(request, path, resolution));
      }
    }
    this.stats.layersRead = this.layersTouched.size;
    this.stats.bytesDownloaded = this.image.bytesDownloaded() - this.downloadedBefore;
    this.options.progress?.done();
    return { files, missing, stats: this.stats, dispose: () => this.dispose() };
  }

  async dispose(): Promise<void> {
    if (this.spoolDir) await rm(this.spoolDir, { recursive: true, force: true });
    this.spoolDir = undefined;
  }

  private answer(tree: MergedTree, request: CompiledRequest): Array<{ path: string; resolution: Resolution }> {
    if (request.glob) {
      // A glob whose folder part goes through symlinks (var/lib/rpm/* on bootc) lists the folder they lead to.
      const base = globBase(request.path);
      const target = base === '' ? undefined : tree.resolve(base);
      const redirected =
        target?.state === 'present' && target.entry.type === 'dir' && target.path !== base ? target.path : undefined;
      const glob = redirected ? compileGlob(redirected + request.path.slice(base.length)) : request.glob;
      const shown = (path: string) => (redirected ? base + path.slice(redirected.length) : path);
      // A glob lists entries as they are (a dangling symlink included); a link also gets its target's content.
      return tree
        .list((path) => glob.test(path))
        .map(({ path, entry }) => {
          const followed =
            entry.type === 'symlink' || entry.type === 'hardlink' ? followForListing(tree, path) : undefined;
          const resolution: Resolution =
            followed?.state === 'present' && followed.content
              ? { ...followed, entry: entry.type === 'hardlink' ? followed.entry : entry }
              : entry.type === 'file'
                ? { state: 'present', path, entry, content: { layer: entry.layer, path } }
                : { state: 'present', path, entry };
          return { path: shown(path), resolution };
        });
    }
    const resolution = tree.resolve(request.path);
    if (resolution.state === 'unknown') {
      throw new Error(`internal: ${request.path} unresolved after reading every needed layer`);
    }
    return resolution.state === 'present' ? [{ path: request.path, resolution }] : [];
  }

  private toFoundFile(
    request: CompiledRequest,
    path: string,
    resolution: Resolution & { state: 'present' },
  ): FoundFile {
    const layerIndex = resolution.content?.layer ?? resolution.entry.layer;
    const layer = this.image.layers[layerIndex];
    const found: FoundFile = { request: request.request.path, path, entry: resolution.entry };
    if (resolution.path !== path) found.resolvedPath = resolution.path;
    if (layer) found.layer = { index: layer.index, digest: layer.descriptor.digest };
    if (request.mode !== 'none' && resolution.content) {
      const content = this.captured.get(key(resolution.content));
      if (!content) throw new Error(`internal: content of ${path} was not captured`);
      found.content = content;
    }
    return found;
  }

  private wantedOnFirstPass(path: string): Mode | undefined {
    let mode: Mode | undefined = this.wantedPaths.get(path);
    for (const request of this.contentGlobs) {
      if (request.glob?.test(path)) mode = mode === 'stream' || request.mode === 'stream' ? 'stream' : 'buffer';
    }
    return mode;
  }

  /** Whether the layers read so far decide every (exact) request; records where unsettled ones lead next. */
  private settled(): boolean {
    const tree = new MergedTree(this.indexes, this.image.name);
    let all = true;
    for (const request of this.requests) {
      const resolution = tree.resolve(request.path);
      if (resolution.state === 'unknown') {
        all = false;
        if (request.mode !== 'none') this.want(resolution.pending, request.mode);
      }
    }
    return all;
  }

  /**
   * Reads layers in the given order, `concurrency` at a time. When `stopWhen` may end the read early, no layer is started
   * more than `concurrency` places below the highest unfinished one: otherwise, while one worker inflates a large new
   * layer, another would race down through many small old ones that the new one may make unnecessary.
   */
  private async readLayers(
    order: number[],
    capture: (layer: number, path: string) => Mode | undefined,
    stopWhen: (() => boolean) | undefined,
  ): Promise<void> {
    const concurrency = Math.max(1, this.options.concurrency ?? 2);
    const finished = new Set<number>();
    let next = 0;
    let frontier = 0;
    let stopped = false;
    // Resolved, and replaced, each time a layer finishes: what a worker waiting at the window's edge waits for.
    let signal = () => {};
    let progress = new Promise<void>((resolve) => {
      signal = resolve;
    });
    const worker = async () => {
      while (!stopped && next < order.length) {
        if (stopWhen && next >= frontier + concurrency) {
          await progress;
          continue;
        }
        const position = next++;
        try {
          await this.readLayer(order[position]!, capture);
        } finally {
          finished.add(position);
          while (finished.has(frontier)) frontier++;
          signal();
          progress = new Promise<void>((resolve) => {
            signal = resolve;
          });
        }
        // A layer already in flight is read to its end: it is indexed, and a registry blob lands whole in the cache, so
        // a second look at the same paths downloads nothing.
        if (!stopped && stopWhen?.()) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, order.length) }, worker));
  }

  private async readLayer(layer: number, capture: (layer: number, path: string) => Mode | undefined): Promise<void> {
    const info = this.image.layers[layer]!;
    const what = `${this.image.name}: layer ${layer} (${info.descriptor.digest})`;
    const building = this.indexes[layer] === undefined ? emptyLayerIndex() : undefined;
    const stream = await this.image.openLayer(layer);
    const found = new Map<string, FileContent>();
    try {
      for await (const entry of readTarEntries(stream.tar, what)) {
        if (entry.path === '') {
          entry.body.resume();
          continue;
        }
        if (building) {
          addToLayerIndex(building, entry.path, {
            type: entry.type,
            size: entry.size,
            mode: entry.mode,
            layer,
            ...(entry.linkTarget === undefined ? {} : { linkTarget: entry.linkTarget }),
          });
        }
        const mode = entry.type === 'file' ? capture(layer, entry.path) : undefined;
        if (!mode) entry.body.resume();
        else
          found.set(
            key({ layer, path: entry.path }),
            await this.keep(entry.body, entry.size, mode, `${what}: ${entry.path}`),
          );
        this.options.progress?.layer(layer, stream.bytesRead(), info.descriptor.size);
      }
      await finished(stream.tar);
    } finally {
      stream.tar.destroy();
      this.stats.layerReads++;
      this.stats.bytesRead += stream.bytesRead();
      this.stats.bytesUncompressed += stream.bytesUncompressed();
      this.layersTouched.add(layer);
    }
    // Only a layer whose digests checked out to the end contributes anything.
    if (building) this.indexes[layer] = building;
    for (const [k, content] of found) this.captured.set(k, content);
  }

  private async keep(body: EntryBody, size: number, mode: Mode, what: string): Promise<FileContent> {
    if (mode === 'buffer') {
      const limit = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
      if (size > limit) {
        body.resume();
        throw new PatchlineError(
          'limit',
          what,
          `is ${size} bytes, over the ${limit}-byte limit for a file read into memory`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      return FileContent.inMemory(Buffer.concat(chunks));
    }
    this.spoolDir ??= await mkdtemp(join(tmpdir(), 'patchline-files-'));
    const file = join(this.spoolDir, String(++this.spooled));
    // pipeline, not a write loop: a write that fails (a full disk) must end the read, not leave it waiting to drain.
    await pipeline(body, createWriteStream(file)).catch((error: NodeJS.ErrnoException) => {
      throw new PatchlineError('io', what, `could not be kept on disk in ${this.spoolDir}: ${error.message}`, {
        cause: error,
      });
    });
    return FileContent.onDisk(file, size);
  }
}

function compileRequest(request: FileRequest): CompiledRequest {
  const path = normalizeRequestPath(request.path);
  const mode = request.content ?? 'buffer';
  return isGlob(path) ? { request, path, glob: compileGlob(path), mode } : { request, path, mode };
}

/** A listing shows a broken link (a loop, a missing hardlink target) as the link itself, rather than failing whole. */
function followForListing(tree: MergedTree, path: string): Resolution | undefined {
  try {
    return tree.resolve(path);
  } catch (error) {
    if (error instanceof PatchlineError) return undefined;
    throw error;
  }
}
