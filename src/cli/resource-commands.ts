import { Command } from 'commander';
import type { z } from 'zod';
import { formatSchemaError, PatchlineError } from '../core/index.js';
import type { Release } from '../fleet/index.js';
import { ControllerClient, type ControllerFlags, controllerOptions, type ResourcePlural } from './controller-client.js';
import { readKindsOfDocuments, readResourceDocuments } from './resource-documents.js';
import {
  type Columns,
  formatDocument,
  formatOption,
  formatTable,
  type OutputFormat,
  type TableContext,
} from './resource-output.js';

/**
 * The verbs every controller resource shares (list, get, apply, delete, and create from a file), written once and
 * given a resource description, the way kubectl treats every kind alike.
 */

export interface ResourceKind<T> {
  /** The CLI noun: fleet, release, rollout, host. */
  noun: string;
  kind: string;
  plural: ResourcePlural;
  schema: z.ZodType<T>;
  columns: Columns<T>;
  /** Its table names images by release, so listing it also fetches the releases. */
  tableShowsReleases?: boolean;
}

export interface OutputFlags extends ControllerFlags {
  format: OutputFormat;
}

/** A subcommand that talks to the controller: --server, --token-file and -o are added to it. */
export function controllerCommand(name: string): Command {
  const command = new Command(name).addOption(formatOption());
  for (const option of controllerOptions()) command.addOption(option);
  return command;
}

export function connect(flags: ControllerFlags): Promise<ControllerClient> {
  return ControllerClient.fromFlags(flags);
}

export function listCommand<T>(resource: ResourceKind<T>): Command {
  return controllerCommand('list')
    .alias('ls')
    .description(`list ${resource.plural}`)
    .option(
      '-l, --selector <selector>',
      'only those whose labels match, as kubectl -l: role=web,zone!=a,tier in (gold,silver),!canary',
    )
    .action(async (flags: OutputFlags & { selector?: string }) => {
      const client = await connect(flags);
      // The controller answers the selector (a bad one is its 400, naming labelSelector).
      const list = await client.get(client.resourcePath(resource.plural), { labelSelector: flags.selector });
      const shown = listItems(list, `${resource.kind}List`, client.resourcePath(resource.plural));
      if (flags.format !== 'table') {
        process.stdout.write(formatDocument(list, flags.format));
        return;
      }
      const context = await tableContext(resource, client);
      const rows = shown.map((item) => resource.columns.row(item as T, Date.now(), context));
      process.stdout.write(formatTable(resource.columns.header, rows));
    });
}

export function getCommand<T>(resource: ResourceKind<T>): Command {
  return controllerCommand('get')
    .description(`show one ${resource.noun}`)
    .argument('<name>', `${resource.noun} name`)
    .action(async (name: string, flags: OutputFlags) => {
      const client = await connect(flags);
      const item = await client.get(client.resourcePath(resource.plural, name));
      const context = flags.format === 'table' ? await tableContext(resource, client) : undefined;
      process.stdout.write(printOne(resource, item, flags.format, context));
    });
}

export function deleteCommand<T>(resource: ResourceKind<T>): Command {
  return controllerCommand('delete')
    .alias('rm')
    .description(`delete ${resource.plural}`)
    .argument('<names...>', `${resource.noun} names`)
    .action(async (names: string[], flags: OutputFlags) => {
      const client = await connect(flags);
      for (const name of names) {
        await client.request('DELETE', client.resourcePath(resource.plural, name));
        process.stdout.write(`${resource.noun}/${name} deleted\n`);
      }
    });
}

/**
 * `apply -f FILE`: create or update every document (PUT), after checking them all. `alsoKinds` are other kinds the
 * file may hold, applied in the file's order (a Fleet before the Pipeline that promotes to it).
 */
export function applyCommand<T extends { metadata: { name: string } }>(
  resource: ResourceKind<T>,
  // biome-ignore lint/suspicious/noExplicitAny: kinds of any document type, each checked by its own schema
  alsoKinds: ReadonlyArray<ResourceKind<any>> = [],
): Command {
  const kinds = [resource, ...alsoKinds];
  const what = kinds.map((kind) => kind.plural).join(' and ');
  return controllerCommand('apply')
    .description(`create or update ${what} from a YAML or JSON file (one or many documents; - for stdin)`)
    .requiredOption('-f, --filename <file>', 'the file to apply')
    .action(async (flags: OutputFlags & { filename: string }) => {
      const documents = await readKindsOfDocuments(flags.filename, kinds);
      const client = await connect(flags);
      const results: unknown[] = [];
      for (const { kind, item } of documents) {
        const each = kinds.find((candidate) => candidate.kind === kind) ?? resource;
        const name = (item as { metadata: { name: string } }).metadata.name;
        const response = await client.request('PUT', client.resourcePath(each.plural, name), { body: item });
        results.push(response.body);
        if (flags.format === 'table') {
          const verb = response.status === 201 ? 'created' : 'configured';
          process.stdout.write(`${each.noun}/${name} ${verb}\n`);
        }
      }
      if (flags.format !== 'table') process.stdout.write(printMany(resource, results, flags.format));
    });
}

/** POST one resource (the server answers 409 when it exists) and print what was made. */
export async function createResource<T extends { metadata: { name: string } }>(
  resource: ResourceKind<T>,
  document: T,
  flags: OutputFlags,
): Promise<unknown> {
  const client = await connect(flags);
  const response = await client.request('POST', client.resourcePath(resource.plural), { body: document });
  process.stdout.write(
    flags.format === 'table'
      ? `${resource.noun}/${document.metadata.name} created\n`
      : formatDocument(response.body, flags.format),
  );
  return response.body;
}

/** `create -f FILE`, for the resources whose flags cannot say everything. */
export async function createFromFile<T extends { metadata: { name: string } }>(
  resource: ResourceKind<T>,
  file: string,
  flags: OutputFlags,
): Promise<void> {
  for (const document of await readResourceDocuments(file, resource.kind, resource.schema)) {
    await createResource(resource, document, flags);
  }
}

export function printOne<T>(
  resource: ResourceKind<T>,
  item: unknown,
  format: OutputFormat,
  context?: TableContext,
): string {
  return format === 'table'
    ? formatTable(resource.columns.header, [resource.columns.row(item as T, Date.now(), context)])
    : formatDocument(item, format);
}

async function tableContext<T>(resource: ResourceKind<T>, client: ControllerClient): Promise<TableContext> {
  if (!resource.tableShowsReleases) return { releases: [] };
  const path = client.resourcePath('releases');
  return { releases: listItems(await client.get(path), 'ReleaseList', path) as Release[] };
}

function printMany<T>(resource: ResourceKind<T>, items: unknown[], format: 'json' | 'yaml'): string {
  return items.length === 1
    ? formatDocument(items[0], format)
    : formatDocument({ apiVersion: 'patchline.dev/v1', kind: `${resource.kind}List`, items }, format);
}

/** The items of a `…List` answer, checked enough that a wrong server fails with a message rather than a crash. */
export function listItems(list: unknown, kind: string, input: string): unknown[] {
  const items = (list as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) {
    throw new PatchlineError('registry', input, `the controller did not answer with a ${kind}`);
  }
  return items;
}

/** `k=v` pairs from repeated or comma-separated flags. */
export function parseLabelPairs(pairs: readonly string[], flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new PatchlineError('usage', `${flag} ${pair}`, 'expected key=value');
    labels[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return labels;
}

/** For repeatable options: `--label a=b --label c=d`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A resource built from flags, checked by its schema so a bad flag fails here, named, rather than at the server. */
export function checked<T>(resource: ResourceKind<T>, document: unknown, input: string): T {
  const result = resource.schema.safeParse(document);
  if (result.success) return result.data;
  throw new PatchlineError('usage', input, formatSchemaError(result.error));
}
