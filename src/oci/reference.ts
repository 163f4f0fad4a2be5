import { PatchlineError } from '../core/index.js';
import { type Digest, isDigest } from './digest.js';

/**
 * An image name in the containers-transports(5) syntax that skopeo, podman and bootc use. `dir:` is the exception:
 * for Patchline it names an unpacked root filesystem (see docs/decisions/0003-dir-transport-is-a-rootfs.md).
 */
export type ImageReference =
  | RegistryReference
  | { transport: 'oci'; path: string; tag?: string }
  | { transport: 'oci-archive'; path: string; tag?: string }
  | { transport: 'docker-archive'; path: string; tag?: string; index?: number }
  | { transport: 'dir'; path: string };

export interface RegistryReference {
  transport: 'docker';
  /** Registry host as used in URLs, with port: `registry-1.docker.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path: `library/debian`, `fedora/fedora-bootc`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function parseImageReference(input: string): ImageReference {
  const colon = input.indexOf(':');
  const prefix = colon > 0 ? input.slice(0, colon) : '';
  const rest = input.slice(colon + 1);
  switch (prefix) {
    case 'docker':
      if (!rest.startsWith('//')) {
        throw new PatchlineError('usage', input, 'a docker transport reference is written docker://HOST/REPO[:TAG]');
      }
      return parseRegistryReference(rest.slice(2), input);
    case 'oci':
    case 'oci-archive': {
      const { path, tag } = splitPathAndTag(rest, input);
      return tag === undefined ? { transport: prefix, path } : { transport: prefix, path, tag };
    }
    case 'docker-archive':
      return parseDockerArchive(rest, input);
    case 'dir':
      if (rest === '') throw new PatchlineError('usage', input, 'dir: needs the path of an unpacked root filesystem');
      return { transport: 'dir', path: rest };
    case 'containers-storage':
      throw new PatchlineError(
        'unsupported',
        input,
        'containers-storage is not read directly; export the image first, e.g. `podman save --format oci-archive -o img.tar IMAGE` and use oci-archive:img.tar',
      );
    default:
      return parseRegistryReference(input, input);
  }
}

/** `path[:tag]`, split at the first colon as containers/image does on Unix. */
function splitPathAndTag(rest: string, input: string): { path: string; tag?: string } {
  const colon = rest.indexOf(':');
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const tag = colon === -1 ? undefined : rest.slice(colon + 1);
  if (path === '') throw new PatchlineError('usage', input, 'the path is empty');
  if (tag !== undefined && tag === '') throw new PatchlineError('usage', input, 'the tag after ":" is empty');
  return tag === undefined ? { path } : { path, tag };
}

function parseDockerArchive(rest: string, input: string): ImageReference {
  const { path, tag } = splitPathAndTag(rest, input);
  if (tag === undefined) return { transport: 'docker-archive', path };
  if (tag.startsWith('@')) {
    const index = Number(tag.slice(1));
    if (!Number.isInteger(index) || index < 0) {
      throw new PatchlineError('usage', input, `"${tag}" is not a manifest index (expected @0, @1, ...)`);
    }
    return { transport: 'docker-archive', path, index };
  }
  return { transport: 'docker-archive', path, tag };
}

/** Parses `[host[:port]/]repo[:tag][@digest]` with Docker's normalisation of short names. */
export function parseRegistryReference(name: string, input = name): RegistryReference {
  let remainder = name;
  let digest: Digest | undefined;
  const at = remainder.indexOf('@');
  if (at !== -1) {
    const value = remainder.slice(at + 1);
    if (!isDigest(value)) throw new PatchlineError('usage', input, `"${value}" is not a digest (sha256:<64 hex>)`);
    digest = value;
    remainder = remainder.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = remainder.lastIndexOf('/');
  const tagColon = remainder.indexOf(':', lastSlash + 1);
  if (tagColon !== -1) {
    tag = remainder.slice(tagColon + 1);
    remainder = remainder.slice(0, tagColon);
    if (!TAG.test(tag)) throw new PatchlineError('usage', input, `"${tag}" is not a valid tag`);
  }
  const components = remainder.split('/');
  let registry = DOCKER_HUB;
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    components.shift();
  }
  if (registry === DOCKER_HUB && components.length === 1) components.unshift('library');
  if (components.length === 0 || components.some((c) => !REPOSITORY_COMPONENT.test(c))) {
    throw new PatchlineError(
      'usage',
      input,
      `"${remainder}" is not an image name (expected lowercase [HOST/]REPO[:TAG][@DIGEST], or a transport such as oci:DIR)`,
    );
  }
  const reference: RegistryReference = {
    transport: 'docker',
    registry: registry === DOCKER_HUB ? DOCKER_HUB_API : registry,
    repository: components.join('/'),
  };
  if (digest !== undefined) reference.digest = digest;
  if (tag !== undefined || digest === undefined) reference.tag = tag ?? 'latest';
  return reference;
}

/** The reference written back in transport syntax, for messages and reports. */
export function formatImageReference(reference: ImageReference): string {
  switch (reference.transport) {
    case 'docker': {
      const host = reference.registry === DOCKER_HUB_API ? DOCKER_HUB : reference.registry;
      const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
      const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
      return `docker://${host}/${reference.repository}${tag}${digest}`;
    }
    case 'docker-archive':
      if (reference.index !== undefined) return `docker-archive:${reference.path}:@${reference.index}`;
      return `docker-archive:${reference.path}${reference.tag === undefined ? '' : `:${reference.tag}`}`;
    case 'oci':
    case 'oci-archive':
      return `${reference.transport}:${reference.path}${reference.tag === undefined ? '' : `:${reference.tag}`}`;
    case 'dir':
      return `dir:${reference.path}`;
  }
}
