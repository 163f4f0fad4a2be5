import { Command } from 'commander';
import { PatchlineError } from '../core/index.js';
import { API_PREFIX, durationSchema, type Host, hostSchema } from '../fleet/index.js';
import { hostFilesCommand } from './host-files.js';
import {
  applyCommand,
  collect,
  connect,
  controllerCommand,
  deleteCommand,
  getCommand,
  listCommand,
  listItems,
  type OutputFlags,
  parseLabelPairs,
  type ResourceKind,
} from './resource-commands.js';
import { age, formatDocument, formatTable, hostColumns } from './resource-output.js';

export const HOST: ResourceKind<Host> = {
  noun: 'host',
  kind: 'Host',
  plural: 'hosts',
  schema: hostSchema,
  columns: hostColumns,
  tableShowsReleases: true,
};

/**
 * Hosts are not created here: a host enrolls itself with a one-time token (`enroll-token`) and gets its own
 * credential. `apply` changes an enrolled host's labels. FleetLock holders are listed here too (`host locks`), since
 * what holds a reboot slot is a host. `host files` writes what a bootc image needs to be such a host without an agent.
 */
export function hostCommand(): Command {
  return new Command('host')
    .description('hosts: bootc machines enrolled with the controller, their reboot locks, and the files that make one')
    .addCommand(listCommand(HOST))
    .addCommand(getCommand(HOST))
    .addCommand(applyCommand(HOST))
    .addCommand(deleteCommand(HOST))
    .addCommand(enrollTokenCommand())
    .addCommand(locksCommand())
    .addCommand(hostFilesCommand());
}

interface EnrollTokenFlags extends OutputFlags {
  label?: string[];
  ttl?: string;
}

function enrollTokenCommand(): Command {
  return controllerCommand('enroll-token')
    .description('make a one-time token a host enrolls with (it prints the token; keep it secret)')
    .option('--label <k=v>', 'a label every host enrolled with it gets (repeatable)', collect)
    .option('--ttl <duration>', 'how long the token stays valid, e.g. 1h or 7d (server default when unset)')
    .action(async (flags: EnrollTokenFlags) => {
      if (flags.ttl !== undefined && !durationSchema.safeParse(flags.ttl).success) {
        throw new PatchlineError('usage', `--ttl ${flags.ttl}`, 'expected a duration such as 30m, 4h, 1h30m or 2d');
      }
      const client = await connect(flags);
      const body = {
        ...(flags.label === undefined ? {} : { labels: parseLabelPairs(flags.label, '--label') }),
        ...(flags.ttl === undefined ? {} : { ttl: flags.ttl }),
      };
      const response = await client.request('POST', `${API_PREFIX}/enrollment-tokens`, { body });
      const token = response.body as { token?: unknown; expiresAt?: unknown };
      if (typeof token?.token !== 'string') {
        throw new PatchlineError('registry', client.baseUrl, 'the controller did not answer with a token');
      }
      process.stdout.write(
        flags.format === 'table'
          ? formatTable(['TOKEN', 'EXPIRES'], [[token.token, String(token.expiresAt ?? '-')]])
          : formatDocument(response.body, flags.format),
      );
    });
}

interface LockHolderView {
  fleet?: string;
  id: string;
  group: string;
  acquiredAt?: string | number;
  expiresAt?: string | number;
}

function locksCommand(): Command {
  return controllerCommand('locks')
    .description('list FleetLock holders: hosts holding a reboot slot, by group')
    .action(async (flags: OutputFlags) => {
      const client = await connect(flags);
      const path = `${API_PREFIX}/locks`;
      const body = await client.get(path);
      const holders = (Array.isArray(body) ? body : listItems(body, 'lock list', path)) as LockHolderView[];
      const now = Date.now();
      process.stdout.write(
        flags.format === 'table'
          ? formatTable(
              ['FLEET', 'GROUP', 'HOLDER', 'HELD FOR', 'EXPIRES IN'],
              holders.map((holder) => [
                holder.fleet || '-',
                holder.group,
                holder.id,
                age(timestamp(holder.acquiredAt), now),
                holder.expiresAt === undefined ? '-' : age(new Date(now).toISOString(), timeOf(holder.expiresAt)),
              ]),
            )
          : formatDocument(body, flags.format),
      );
    });
}

function timeOf(value: string | number): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

function timestamp(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : new Date(timeOf(value)).toISOString();
}
