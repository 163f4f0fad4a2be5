import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { PatchlineError, renameDurably } from '../core/index.js';
import { type Digest, sha256Digest } from './digest.js';
import type { Compression } from './media-types.js';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_LAYER_ZSTD, OCI_MANIFEST } from './media-types.js';
import type { Platform } from './platform.js';
import type { Descriptor } from './schemas.js';
import { blobPath } from './sources/oci-layout.js';

const LAYER_TYPE: Record<Compression, string> = { gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD, none: OCI_LAYER_TAR };

export interface ImageSettings {
  tag?: string;
  platform?: Platform;
  created?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

class Hasher extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(
    chunk: Buffer,
    _e: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Writes an OCI image layout: layers streamed from tar bytes (compressed here with gzip, zstd or not at all), then the
 * config, manifest and index. Used to make test and benchmark images, and for artifacts Patchline publishes.
 */
export class OciLayoutWriter {
  private readonly layers: Array<Descriptor & { diffId: Digest }> = [];

  constructor(readonly dir: string) {}

  private async blobs(): Promise<string> {
    const dir = join(this.dir, 'blobs', 'sha256');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Adds a layer from its uncompressed tar bytes: a Buffer, a tar file's path, or a stream. */
  async addLayer(
    tar: Buffer | string | Readable,
    compression: Compression = 'gzip',
  ): Promise<Descriptor & { diffId: Digest }> {
    const dir = await this.blobs();
    const temp = join(dir, `.incoming-${this.layers.length}-${process.pid}`);
    const input = typeof tar === 'string' ? createReadStream(tar) : Buffer.isBuffer(tar) ? Readable.from([tar]) : tar;
    const diff = new Hasher();
    const blob = new Hasher();
    if (compression === 'zstd') {
      const zstd = spawn('zstd', ['-q', '-c', '-3', '-T0'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const exited = new Promise<void>((resolve, reject) => {
        zstd.on('error', (error) =>
          reject(new PatchlineError('unsupported', 'zstd', `cannot run the zstd program (${error.message})`)),
        );
        zstd.on('close', (code) =>
          code === 0 ? resolve() : reject(new PatchlineError('input', 'zstd', `exited with ${code}`)),
        );
      });
      await Promise.all([
        pipeline(input, diff, zstd.stdin),
        pipeline(zstd.stdout, blob, createWriteStream(temp)),
        exited,
      ]);
    } else if (compression === 'gzip') {
      await pipeline(input, diff, createGzip({ level: 6 }), blob, createWriteStream(temp));
    } else {
      await pipeline(input, diff, blob, createWriteStream(temp));
    }
    const digest: Digest = `sha256:${blob.hash.digest('hex')}`;
    await renameDurably(temp, join(this.dir, blobPath(digest)));
    const layer = {
      mediaType: LAYER_TYPE[compression],
      digest,
      size: blob.bytes,
      diffId: `sha256:${diff.hash.digest('hex')}` as Digest,
    };
    this.layers.push(layer);
    return layer;
  }

  async addBlob(bytes: Buffer): Promise<Digest> {
    await this.blobs();
    const digest = sha256Digest(bytes);
    await writeFile(join(this.dir, blobPath(digest)), bytes);
    return digest;
  }

  /** Writes config, manifest, oci-layout and index.json; returns the manifest's descriptor. */
  async finish(settings: ImageSettings = {}): Promise<Descriptor> {
    const platform = settings.platform ?? { os: 'linux', architecture: 'amd64' };
    const config = {
      created: settings.created ?? '2026-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: settings.labels ? { Labels: settings.labels } : {},
      rootfs: { type: 'layers', diff_ids: this.layers.map((l) => l.diffId) },
      history: this.layers.map(() => ({
        created: settings.created ?? '2026-01-01T00:00:00Z',
        created_by: 'patchline',
      })),
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: await this.addBlob(configBytes), size: configBytes.length },
      layers: this.layers.map(({ diffId: _diffId, ...descriptor }) => descriptor),
      ...(settings.annotations ? { annotations: settings.annotations } : {}),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const descriptor: Descriptor = {
      mediaType: OCI_MANIFEST,
      digest: await this.addBlob(manifestBytes),
      size: manifestBytes.length,
      ...(settings.tag ? { annotations: { 'org.opencontainers.image.ref.name': settings.tag } } : {}),
    };
    await this.writeTopIndex(descriptor);
    return { ...descriptor, platform };
  }

  /** Writes a multi-platform index over manifests written to this layout, and makes it the layout's only entry. */
  async finishIndex(manifests: Descriptor[], tag?: string): Promise<Descriptor> {
    const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
    const descriptor: Descriptor = {
      mediaType: OCI_INDEX,
      digest: await this.addBlob(indexBytes),
      size: indexBytes.length,
      ...(tag ? { annotations: { 'org.opencontainers.image.ref.name': tag } } : {}),
    };
    await this.writeTopIndex(descriptor);
    return descriptor;
  }

  private async writeTopIndex(entry: Descriptor): Promise<void> {
    await writeFile(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry] };
    await writeFile(join(this.dir, 'index.json'), JSON.stringify(index));
  }
}
