import { Command, Option } from 'commander';
import { AdvisoryDatabase, type DatabaseStatus } from '../advisories/index.js';
import { formatAge } from '../core/index.js';
import { table } from '../report/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { writeOutput } from './output.js';

interface StatusFlags {
  db?: string;
  format: 'table' | 'json';
  output?: string;
}

/** `patchline db status`: what the database holds, per source, and how old each source's data is. */
export function dbStatusCommand(): Command {
  return new Command('status')
    .description('show the advisory database: sources, record counts, last sync and age')
    .addOption(dbOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action(async (flags: StatusFlags) => {
      const db = AdvisoryDatabase.open(resolveDbPath(flags.db), { readonly: true });
      let status: DatabaseStatus;
      try {
        status = db.status();
      } finally {
        db.close();
      }
      const now = new Date();
      await writeOutput(flags.format === 'json' ? statusJson(status, now) : statusTable(status, now), flags.output);
    });
}

function ageSeconds(at: string, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000));
}

function statusJson(status: DatabaseStatus, now: Date): string {
  const sources = status.sources.map((source) => ({ ...source, ageSeconds: ageSeconds(source.lastSync, now) }));
  return `${JSON.stringify({ ...status, sources }, null, 2)}\n`;
}

function statusTable(status: DatabaseStatus, now: Date): string {
  const header = [
    `database  ${status.path}`,
    `schema    ${status.schemaVersion}`,
    `snapshot  ${status.snapshotId}${status.builtAt ? ` (built ${status.builtAt})` : ''}`,
    '',
  ];
  if (status.sources.length === 0)
    return `${[...header, 'no sources: run `patchline db update` or `patchline db import`'].join('\n')}\n`;
  const rows = [
    ['SOURCE', 'RECORDS', 'AFFECTED', 'LAST SYNC', 'AGE', 'ECOSYSTEMS', 'ORIGIN'],
    ...status.sources.map((source) => [
      source.source,
      String(source.records),
      String(source.affected),
      source.lastSync,
      formatAge(ageSeconds(source.lastSync, now)),
      abbreviate(source.ecosystems),
      source.origin,
    ]),
  ];
  return `${header.join('\n')}${table(rows)}\n`;
}

function abbreviate(ecosystems: string[]): string {
  return ecosystems.length <= 4
    ? ecosystems.join(',')
    : `${ecosystems.slice(0, 3).join(',')},+${ecosystems.length - 3}`;
}
