import type { DatabaseStatus, VersionScheme } from '../advisories/index.js';
import type { ScanResult } from '../scan/index.js';
import type { ComplianceOutcome } from './gate-result.js';
import type { LoadedPolicy } from './load-policy.js';

/**
 * Everything the gate decides from, gathered at the edge (gather-inputs.ts) so that evaluation (evaluate.ts) is a
 * pure function of these and the clock.
 */

/** What the image itself says, beyond its findings. */
export interface ImageFacts {
  reference: string;
  digest?: string;
  /** Why `digest` was computed rather than checked against the source, when it was (docker-archive). */
  unverifiedIdentity?: string;
  /** The image config's `created`, as written. */
  created?: string;
  labels: Record<string, string>;
  /** Uncompressed layer digests, base first: what a base image's layers are compared with. */
  diffIds: string[];
  bootc: boolean;
  packages: Array<{ name: string; sourceName?: string; installed: string }>;
}

/** One kernel the image can boot, and the newest build of its package the advisory data names as a fix. */
export interface KernelFact {
  /** `5.14.0-427.13.1.el9_4.x86_64` */
  version: string;
  path: string;
  location: 'modules' | 'boot';
  /** The package that installed it; absent when no package claims the file. */
  package?: { name: string; installed: string; scheme: VersionScheme };
  /** The newest fixed version the advisory data knows for that package in the image's ecosystem. */
  newest?: { version: string; advisory: string };
}

export interface KernelFacts {
  /** The ecosystem the newest kernel was looked up in; absent when the OS has none. */
  ecosystem?: string;
  kernels: KernelFact[];
}

/**
 * The base image as its registry names it now. `tagDigests`: the digest the tag resolves to (the index's and the
 * platform manifest's, when it is an index); `diffIds`: that platform image's layers, base first.
 */
export type BaseLookup =
  | { kind: 'not-needed' }
  | { kind: 'unknown'; reason: string }
  | {
      kind: 'found';
      reference: string;
      /** Where the reference came from: the image's labels, or the policy. */
      from: 'label' | 'policy';
      /** The base.digest label, when the reference came from the labels and it has one. */
      expectedDigest?: string;
      tagDigests: string[];
      diffIds: string[];
    }
  | { kind: 'error'; reference: string; problem: string };

/** What OpenSCAP said of the image: the compliance record before exceptions are applied. */
export type ComplianceFacts = Omit<ComplianceOutcome, 'failing' | 'exceptions'>;

export interface GateInputs {
  policy: LoadedPolicy;
  /** The scan, with no exception applied yet. */
  scan: ScanResult;
  image: ImageFacts;
  base: BaseLookup;
  database: DatabaseStatus;
  kernel: KernelFacts;
  /** The OpenSCAP evaluation, when the policy has a compliance rule. */
  compliance?: ComplianceFacts;
  toolVersion: string;
}
