import { z } from 'zod';
import { SHA256_DIGEST_SOURCE } from '../core/index.js';
import type { Fleet, Release } from './resources.js';

// A repository as the OCI distribution spec names them, without tag or digest: a registry host (DNS labels, an
// optional port) and path components of lower-case letters and digits joined by one ".", one or two "_" or dashes,
// so no "..", no empty component and nothing a URL or file path would read differently.
const HOST = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = `${HOST}(?:/${COMPONENT})+`;
const REPOSITORY_PATTERN = new RegExp(`^${REPOSITORY}$`);
const RELEASE_IMAGE_PATTERN = new RegExp(`^(${REPOSITORY})@(${SHA256_DIGEST_SOURCE})$`);
// The distribution spec's limit on a repository name.
const MAX_REPOSITORY = 255;

export const repositorySchema = z
  .string()
  .max(MAX_REPOSITORY)
  .regex(REPOSITORY_PATTERN, 'expected an image repository without tag or digest, e.g. quay.io/example/os');

export const releaseImageSchema = z
  .string()
  .max(MAX_REPOSITORY + 72)
  .regex(RELEASE_IMAGE_PATTERN, 'expected repository@sha256:<64 hex digits>: a release never moves');

// The schema has checked the image; this only splits it, and runs for every host poll, so no regular expression.
function splitImage(release: Release): { repository: string; digest: string } {
  const image = release.spec.image;
  const at = image.lastIndexOf('@');
  if (at <= 0) {
    throw new RangeError(`release ${release.metadata.name}: not repository@digest: ${image}`);
  }
  return { repository: image.slice(0, at), digest: image.slice(at + 1) };
}

/** The digest a host is told to run for this release. */
export function releaseDigest(release: Release): string {
  return splitImage(release).digest;
}

export function releaseRepository(release: Release): string {
  return splitImage(release).repository;
}

/** Every digest that means "runs this release": its own and its per-platform manifests'. */
export function releaseDigests(release: Release): Set<string> {
  return new Set([releaseDigest(release), ...(release.spec.platformDigests ?? [])]);
}

/**
 * Why a release may not roll out over a fleet; empty when it may. A release whose gate did not pass (or that was
 * never gated) rolls out only when forced with a recorded reason.
 */
export function releaseBlockers(release: Release, fleet: Fleet): string[] {
  const blockers: string[] = [];
  if (release.spec.fleet !== fleet.metadata.name) {
    blockers.push(`release ${release.metadata.name} is for fleet ${release.spec.fleet}, not ${fleet.metadata.name}`);
  }
  if (releaseRepository(release) !== fleet.spec.image) {
    blockers.push(`release image ${release.spec.image} is not from the fleet's repository ${fleet.spec.image}`);
  }
  if (release.spec.gate?.passed !== true && release.spec.force === undefined) {
    blockers.push(
      release.spec.gate === undefined
        ? `release ${release.metadata.name} has no gate verdict; force it with a reason to roll it out`
        : `release ${release.metadata.name} failed its gate; force it with a reason to roll it out`,
    );
  }
  return blockers;
}

/**
 * The release's fleet's release created just before it (the newest of the fleet's others when it is not stored
 * yet): what its image diff compares against.
 */
export function previousRelease(siblings: readonly Release[], release: Release): Release | undefined {
  const created = release.metadata.createdAt;
  return siblings
    .filter((each) => each.metadata.name !== release.metadata.name)
    .filter((each) => created === undefined || (each.metadata.createdAt ?? '') < created)
    .sort((a, b) => (b.metadata.createdAt ?? '').localeCompare(a.metadata.createdAt ?? ''))[0];
}
