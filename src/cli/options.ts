import { Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import type { OpenImageOptions } from '../oci/index.js';
import { parsePlatform } from '../oci/index.js';

/** The image-access flags every image command shares, spelled as skopeo and trivy spell them. */
export function imageOptions(): Option[] {
  return [
    new Option('--platform <os/arch[/variant]>', 'platform to choose from a multi-arch image (default: this machine)'),
    new Option('--tls-verify <bool>', 'require HTTPS and verify certificates (false allows plain HTTP)').default(
      'true',
    ),
    new Option('--creds <user[:password]>', 'registry credentials'),
    new Option('--authfile <path>', 'registry credentials file (containers auth.json or docker config.json)'),
    new Option('--cache-dir <dir>', 'blob cache folder (default: $XDG_CACHE_HOME/patchline)'),
    new Option('--max-layer-size <bytes>', 'most uncompressed bytes a layer may expand to').argParser(parseSize),
    cacheMaxSizeOption(),
  ];
}

/** On image commands the caches are trimmed to it before they read (see src/cli/main.ts); `cache prune` trims to it. */
export function cacheMaxSizeOption(): Option {
  return new Option(
    '--cache-max-size <size>',
    'keep the blob caches under this size (e.g. 20G), dropping least recently used entries',
  ).argParser(parseSize);
}

export interface ImageFlags {
  platform?: string;
  tlsVerify: string;
  creds?: string;
  authfile?: string;
  cacheDir?: string;
  maxLayerSize?: number;
  cacheMaxSize?: number;
}

export function toOpenImageOptions(flags: ImageFlags): OpenImageOptions {
  const options: OpenImageOptions = {};
  if (flags.platform) options.platform = parsePlatform(flags.platform);
  if (flags.tlsVerify !== 'true' && flags.tlsVerify !== 'false') {
    throw new PatchlineError('usage', `--tls-verify=${flags.tlsVerify}`, 'expected true or false');
  }
  options.tlsVerify = flags.tlsVerify === 'true';
  if (flags.creds) {
    const colon = flags.creds.indexOf(':');
    options.credentials =
      colon === -1
        ? { username: flags.creds, password: '' }
        : { username: flags.creds.slice(0, colon), password: flags.creds.slice(colon + 1) };
  }
  if (flags.authfile) options.authFiles = [flags.authfile];
  if (flags.cacheDir) options.cacheDir = flags.cacheDir;
  if (flags.maxLayerSize !== undefined) options.limits = { maxLayerBytes: flags.maxLayerSize };
  return options;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512M`, `4G`, `1073741824`. */
export function parseSize(value: string): number {
  const match = /^(\d+)([kmgt]?)(i?b)?$/i.exec(value.trim());
  if (!match) throw new PatchlineError('usage', value, 'is not a size (expected e.g. 4G, 512M or a byte count)');
  return Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? 1);
}
