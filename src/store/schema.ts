import type { Generated } from 'kysely';

/**
 * The store's tables as kysely sees them. Resources are kept as JSON documents (`doc`) beside the columns queries
 * filter and sort on; times are RFC 3339 strings in UTC (they sort as text and read the same in both databases).
 * `resource_version` is bumped by every write of a row and checked by every update (optimistic concurrency).
 */
export interface Database {
  fleets: ResourceTable;
  releases: ResourceTable & {
    fleet: string;
    /** The gate evidence document as sent, whose sha256 is spec.gate.evidence; null when none was sent. */
    evidence: string | null;
    /** JSON ReleaseDiff (report/release-diff.ts) against the fleet's previous release; null when none was sent. */
    image_diff: string | null;
  };
  rollouts: ResourceTable & {
    fleet: string;
    phase: string | null;
    /** 1 while the controller still decides it: not final, or final with hosts it still follows. */
    active: number;
    /** Creation order within the store: a fleet's latest rollout is the one that speaks for it. */
    seq: number;
  };
  /** Where each host stands in each rollout: one row per host, written only when its record changes. */
  rollout_hosts: { rollout: string; host: string; state: string; record: string };
  hosts: {
    name: string;
    resource_version: number;
    created_at: string;
    /** metadata and spec as JSON; the status lives in the columns below, each written by its own call. */
    doc: string;
    labels: string;
    last_seen: string | null;
    /** JSON { digest, at } */
    last_served: string | null;
    /** JSON HostReport */
    report: string | null;
    /** JSON HostReport cut down to what decisions read (digests, incompatibility, health): see decisionReport. */
    observed: string | null;
    /** The booted image digest from the report, for the exposure metric. */
    booted: string | null;
    /** JSON FailedDigest[] */
    failed_digests: string;
    /** The one fleet whose selector matches the host's labels (see host-fleets.ts); null for none or two. */
    fleet: string | null;
    /** The id the host's FleetLock client sends, when it differs from the host name (Zincati's machine id). */
    fleetlock_id: string | null;
  };
  /**
   * What each host should run, prepared (see host-answers.ts): one row per host, beside its row in `hosts` so that
   * a decision dropping answers never waits on (or holds up) the hosts' own writes.
   */
  host_answers: {
    host: string;
    /** JSON answer; null until computed or after a change dropped it. */
    answer: string | null;
    /** Bumped by every drop, so an answer computed before it is never stored after it. */
    version: number;
  };
  host_credentials: { hash: string; host: string; created_at: string };
  enrollment_tokens: {
    hash: string;
    labels: string;
    created_at: string;
    expires_at: string;
    consumed_at: string | null;
    host: string | null;
  };
  /** Append-only; `id` orders them. */
  events: { id: Generated<number>; rollout: string; at: string; type: string; doc: string };
  fleet_locks: { fleet: string; id: string; grp: string; acquired_at: string; expires_at: string };
  pipelines: ResourceTable;
  /** One row per pass of a pipeline; `started_at` orders a pipeline's runs. */
  pipeline_runs: { name: string; pipeline: string; started_at: string; outcome: string; doc: string };
  /**
   * Leases among controllers sharing the database (`decider`: who takes rollout decisions). `epoch` grows with every
   * change of holder and fences the writes of the one before; `expires_at` is milliseconds since the epoch.
   */
  leases: { name: string; holder: string; epoch: number; expires_at: number | string };
  /** The exposure ledger: one row per fleet, advisory and package. */
  exposures: { fleet: string; advisory: string; package: string; state: string; doc: string };
}

export interface ResourceTable {
  name: string;
  resource_version: number;
  created_at: string;
  doc: string;
}

export type Dialect = 'sqlite' | 'postgres';
