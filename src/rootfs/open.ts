import { type ImageReference, type OpenImageOptions, openImage, parseImageReference } from '../oci/index.js';
import { DirectoryTree } from './directory-tree.js';
import type { FileTree } from './file-tree.js';
import { LayeredTree } from './layered-tree.js';

/** Opens the file tree any reference names: an image's merged layers, or (`dir:`) an unpacked root filesystem. */
export async function openFileTree(input: string | ImageReference, options: OpenImageOptions = {}): Promise<FileTree> {
  const reference = typeof input === 'string' ? parseImageReference(input) : input;
  if (reference.transport === 'dir') return new DirectoryTree(reference.path);
  return new LayeredTree(await openImage(reference, options));
}
