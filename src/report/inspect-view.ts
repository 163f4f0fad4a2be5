import type { Image } from '../oci/image.js';
import type { FoundFile, ReadStats } from '../rootfs/file-tree.js';

/** What `patchline inspect` shows: an image's metadata (absent for dir:), and with --list the files found. */
export interface InspectView {
  name: string;
  image?: Image | undefined;
  files?: FoundFile[] | undefined;
  stats?: ReadStats | undefined;
}
