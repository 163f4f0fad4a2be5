import type { Image } from '../oci/index.js';
import type { FoundFile, ReadStats } from '../rootfs/index.js';

/** What `patchline inspect` shows: an image's metadata (absent for dir:), and with --list the files found. */
export interface InspectView {
  name: string;
  image?: Image | undefined;
  files?: FoundFile[] | undefined;
  stats?: ReadStats | undefined;
}
