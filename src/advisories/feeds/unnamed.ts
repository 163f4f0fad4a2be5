import { PatchlineError } from '../../errors.js';
import type { FeedLocation } from './feed-source.js';

/** A feed kind that is one feed (`redhat-vex`, `debian-tracker`) refuses a name after the colon. */
export function unnamed(kind: string, name: string | undefined, at: FeedLocation): FeedLocation {
  if (name !== undefined) throw new PatchlineError('usage', `--source ${at.spec}`, `${kind} takes no name`);
  return at;
}
