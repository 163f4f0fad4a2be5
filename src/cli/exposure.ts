import type { Command } from 'commander';
import { formatAge } from '../core/index.js';
import {
  type Exposure,
  exposureSchema,
  exposureStages,
  exposureWindowSeconds,
  stageDurations,
} from '../fleet/index.js';
import { API_PREFIX } from './controller-client.js';
import { connect, controllerCommand, listItems, type OutputFlags } from './resource-commands.js';
import { formatDocument, formatTable } from './resource-output.js';

/**
 * `patchline exposure`: the ledger the mission is judged by. For each fix and fleet, how long it has been (or was)
 * between its publication and the last host booting it, and where that time went.
 */
export function exposureCommand(): Command {
  return controllerCommand('exposure')
    .description(
      'show the exposure ledger: for each fix and fleet, every stage from publication to the last host, and the window',
    )
    .option('--fleet <name>', 'only this fleet')
    .action(async (flags: OutputFlags & { fleet?: string }) => {
      const client = await connect(flags);
      const path = `${API_PREFIX}/exposures`;
      const items = listItems(await client.get(path, { fleet: flags.fleet }), 'ExposureList', path).map((item) =>
        exposureSchema.parse(item),
      );
      if (flags.format !== 'table') {
        process.stdout.write(
          formatDocument({ apiVersion: 'patchline.dev/v1', kind: 'ExposureList', items }, flags.format),
        );
        return;
      }
      process.stdout.write(exposureTable(items, Date.now()));
    });
}

const STAGE_HEADERS: Record<string, string> = {
  available: 'AVAILABLE',
  seen: 'SEEN',
  detected: 'DETECTED',
  built: 'BUILT',
  released: 'RELEASED',
  rolloutStarted: 'ROLLOUT',
  completed: 'ALL HOSTS',
};

/** One row per exposure; each stage column is the time since the stage before it, the window is the total. */
export function exposureTable(items: readonly Exposure[], now: number): string {
  const stages = exposureStages.filter((stage) => stage !== 'published');
  const rows = [...items]
    .sort(
      (a, b) =>
        a.fleet.localeCompare(b.fleet) || a.advisory.localeCompare(b.advisory) || a.package.localeCompare(b.package),
    )
    .map((exposure) => {
      const durations = new Map(stageDurations(exposure).map((duration) => [duration.stage, duration.seconds]));
      const window = exposureWindowSeconds(exposure, now);
      return [
        exposure.fleet,
        exposure.advisory,
        exposure.package,
        cvesText(exposure.cves ?? []),
        exposure.state,
        window === undefined ? '-' : formatAge(window),
        ...stages.map((stage) => {
          const seconds = durations.get(stage);
          return seconds === undefined ? (exposure.stages[stage] === undefined ? '-' : '0s') : `+${formatAge(seconds)}`;
        }),
        exposure.note ?? '',
      ];
    });
  return formatTable(
    [
      'FLEET',
      'ADVISORY',
      'PACKAGE',
      'CVES',
      'STATE',
      'WINDOW',
      ...stages.map((stage) => STAGE_HEADERS[stage] ?? stage),
      'NOTE',
    ],
    rows,
  );
}

/** At most three CVEs, so the row stays readable; the JSON output has them all. */
function cvesText(cves: readonly string[]): string {
  if (cves.length === 0) return '-';
  return cves.length > 3 ? `${cves.slice(0, 3).join(',')},…` : cves.join(',');
}
