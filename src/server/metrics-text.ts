import { exposureStages, exposureWindowSeconds, hostRolloutStates, stageDurations } from '../fleet/index.js';
import { type MetricsSnapshot, PRUNED_KINDS, type PrunedKind } from '../store/index.js';
import type { GatewayMetricsSnapshot } from './gateway/gateway-metrics.js';

/**
 * The Prometheus text exposition format (version 0.0.4) for a store snapshot. Every series of a family is written,
 * zeros included, so dashboards see a state go to zero rather than vanish.
 */
export function metricsText(
  snapshot: MetricsSnapshot,
  extra: {
    waitingPolls: number;
    decider?: boolean;
    gateway?: GatewayMetricsSnapshot | undefined;
    now?: number;
    /** Rows the retention timer deleted since the process started; zeros when it does not run. */
    pruned?: Record<PrunedKind, number> | undefined;
  },
): string {
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Record<string, string>, value: number): void => {
    const rendered = Object.entries(labels)
      .map(([key, each]) => `${key}="${escapeLabel(each)}"`)
      .join(',');
    lines.push(`${name}${rendered === '' ? '' : `{${rendered}}`} ${formatNumber(value)}`);
  };

  family('patchline_hosts', 'gauge', 'Enrolled hosts.');
  sample('patchline_hosts', {}, snapshot.hostsTotal);
  family('patchline_fleet_hosts', 'gauge', "Hosts matching each fleet's selector.");
  for (const fleet of snapshot.fleets) sample('patchline_fleet_hosts', { fleet: fleet.fleet }, fleet.hosts);
  family('patchline_fleet_hosts_online', 'gauge', "Hosts of each fleet seen within the fleet's hostOfflineAfter.");
  for (const fleet of snapshot.fleets) sample('patchline_fleet_hosts_online', { fleet: fleet.fleet }, fleet.online);
  family(
    'patchline_fleet_exposure_seconds',
    'gauge',
    'Age of the oldest release of the fleet not yet booted by every host (0 when every host runs the latest).',
  );
  for (const fleet of snapshot.fleets) {
    sample('patchline_fleet_exposure_seconds', { fleet: fleet.fleet }, fleet.exposureSeconds);
  }

  family(
    'patchline_rollout_hosts',
    'gauge',
    "Hosts of each active rollout (and each fleet's latest) by their state in it.",
  );
  for (const rollout of snapshot.rollouts) {
    for (const state of hostRolloutStates) {
      sample(
        'patchline_rollout_hosts',
        { rollout: rollout.rollout, fleet: rollout.fleet, state },
        rollout.hosts[state] ?? 0,
      );
    }
  }
  family(
    'patchline_rollout_progress_ratio',
    'gauge',
    'Share of the hosts an active rollout follows that ended healthy.',
  );
  for (const rollout of snapshot.rollouts) {
    const total = Object.values(rollout.hosts).reduce((sum, count) => sum + count, 0);
    const ratio = total === 0 ? 0 : (rollout.hosts.healthy ?? 0) / total;
    sample('patchline_rollout_progress_ratio', { rollout: rollout.rollout, fleet: rollout.fleet }, ratio);
  }
  family('patchline_rollout_batch', 'gauge', 'The batch an active rollout is on.');
  for (const rollout of snapshot.rollouts) {
    sample('patchline_rollout_batch', { rollout: rollout.rollout, fleet: rollout.fleet }, rollout.batch);
  }
  family('patchline_rollout_phase', 'gauge', 'The phase of each active rollout (1 for its phase).');
  for (const rollout of snapshot.rollouts) {
    sample('patchline_rollout_phase', { rollout: rollout.rollout, fleet: rollout.fleet, phase: rollout.phase }, 1);
  }

  family('patchline_fleetlock_holders', 'gauge', 'FleetLock reboot slots held, by fleet and group.');
  for (const lock of snapshot.locks) {
    sample('patchline_fleetlock_holders', { fleet: lock.fleet, group: lock.group }, lock.holders);
  }
  family('patchline_desired_polls_waiting', 'gauge', 'Desired-state long polls being held open.');
  sample('patchline_desired_polls_waiting', {}, extra.waitingPolls);
  family(
    'patchline_controller_decider',
    'gauge',
    'Whether this controller holds the decider lease (decides rollouts) among those sharing its database.',
  );
  sample('patchline_controller_decider', {}, extra.decider === true ? 1 : 0);

  family(
    'patchline_pruned_total',
    'counter',
    'Rows the retention policy deleted since the controller started, by kind.',
  );
  for (const kind of PRUNED_KINDS) sample('patchline_pruned_total', { kind }, extra.pruned?.[kind] ?? 0);

  exposureMetrics(snapshot, family, sample, extra.now ?? Date.now());

  const gateway = extra.gateway;
  if (gateway !== undefined) {
    family('patchline_gateway_requests_total', 'counter', 'Registry gateway requests by kind and HTTP status code.');
    for (const each of gateway.requests) {
      sample('patchline_gateway_requests_total', { kind: each.kind, code: String(each.code) }, each.count);
    }
    family(
      'patchline_gateway_blob_opens_total',
      'counter',
      'Blob requests by where their bytes came from: the cache, a new upstream download, or one already running.',
    );
    for (const [source, count] of Object.entries(gateway.blobOpens)) {
      sample('patchline_gateway_blob_opens_total', { source }, count);
    }
    family('patchline_gateway_upstream_bytes_total', 'counter', 'Bytes downloaded from upstream and verified.');
    sample('patchline_gateway_upstream_bytes_total', {}, gateway.upstreamBytes);
    family('patchline_gateway_upstream_failures_total', 'counter', 'Upstream blob downloads that failed.');
    sample('patchline_gateway_upstream_failures_total', {}, gateway.upstreamFailures);
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

// Exposure windows run from hours to months: the buckets follow the deadlines policies name (a day, a week, a month).
const WINDOW_BUCKETS = [3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 90 * 86400];
const STAGE_BUCKETS = [1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400];
const OPEN_AGES: Array<{ label: string; below: number }> = [
  { label: '1d', below: 86400 },
  { label: '7d', below: 7 * 86400 },
  { label: '30d', below: 30 * 86400 },
  { label: '+Inf', below: Number.POSITIVE_INFINITY },
];

/** The exposure ledger as metrics: open exposures by age, closed windows and each stage's time as histograms. */
function exposureMetrics(
  snapshot: MetricsSnapshot,
  family: (name: string, type: 'gauge' | 'counter' | 'histogram', help: string) => void,
  sample: (name: string, labels: Record<string, string>, value: number) => void,
  now: number,
): void {
  family(
    'patchline_fleet_oldest_open_fix_seconds',
    'gauge',
    'Age of the oldest fix published but not yet on every host of the fleet (open, blocked or not installable); 0 when none.',
  );
  for (const { fleet } of snapshot.fleets) {
    const ages = snapshot.exposures
      .filter((exposure) => exposure.fleet === fleet && exposure.state !== 'closed')
      .map((exposure) => exposureWindowSeconds(exposure, now) ?? 0);
    sample('patchline_fleet_oldest_open_fix_seconds', { fleet }, Math.max(0, ...ages));
  }
  const fleets = [...new Set(snapshot.exposures.map((exposure) => exposure.fleet))].sort();
  family(
    'patchline_exposures_open',
    'gauge',
    // Not `le`: Prometheus reserves it for histogram buckets, and promtool's lint refuses it on a gauge.
    'Fixes published but not yet on every host of the fleet, by state and by age (max_age: open no longer than).',
  );
  for (const fleet of fleets) {
    for (const state of ['open', 'not-installable', 'blocked']) {
      const ages = snapshot.exposures
        .filter((exposure) => exposure.fleet === fleet && exposure.state === state)
        .map((exposure) => exposureWindowSeconds(exposure, now) ?? 0);
      for (const bucket of OPEN_AGES) {
        sample(
          'patchline_exposures_open',
          { fleet, state, max_age: bucket.label },
          ages.filter((age) => age <= bucket.below).length,
        );
      }
    }
  }
  family(
    'patchline_exposure_window_seconds',
    'histogram',
    'Closed exposure windows: from a fix’s publication to the last host of the fleet booting it.',
  );
  for (const fleet of fleets) {
    const windows = snapshot.exposures
      .filter((exposure) => exposure.fleet === fleet && exposure.state === 'closed')
      .map((exposure) => exposureWindowSeconds(exposure, now))
      .filter((seconds): seconds is number => seconds !== undefined);
    histogram('patchline_exposure_window_seconds', { fleet }, windows, WINDOW_BUCKETS, sample);
  }
  family(
    'patchline_exposure_stage_seconds',
    'histogram',
    'Time each stage of the exposure ledger took, from the stage before it (detected, built, released, …).',
  );
  for (const stage of exposureStages) {
    const seconds = snapshot.exposures.flatMap((exposure) =>
      stageDurations(exposure)
        .filter((duration) => duration.stage === stage)
        .map((duration) => duration.seconds),
    );
    if (stage === 'published') continue;
    histogram('patchline_exposure_stage_seconds', { stage }, seconds, STAGE_BUCKETS, sample);
  }
}

function histogram(
  name: string,
  labels: Record<string, string>,
  values: readonly number[],
  buckets: readonly number[],
  sample: (name: string, labels: Record<string, string>, value: number) => void,
): void {
  for (const bound of buckets) {
    sample(`${name}_bucket`, { ...labels, le: String(bound) }, values.filter((value) => value <= bound).length);
  }
  sample(`${name}_bucket`, { ...labels, le: '+Inf' }, values.length);
  sample(
    `${name}_sum`,
    labels,
    values.reduce((sum, value) => sum + value, 0),
  );
  sample(`${name}_count`, labels, values.length);
}
