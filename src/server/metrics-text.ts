import { hostRolloutStates } from '../fleet/index.js';
import type { MetricsSnapshot } from '../store/index.js';
import type { GatewayMetricsSnapshot } from './gateway/gateway-metrics.js';

/**
 * The Prometheus text exposition format (version 0.0.4) for a store snapshot. Every series of a family is written,
 * zeros included, so dashboards see a state go to zero rather than vanish.
 */
export function metricsText(
  snapshot: MetricsSnapshot,
  extra: { waitingPolls: number; gateway?: GatewayMetricsSnapshot | undefined },
): string {
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string): void => {
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
