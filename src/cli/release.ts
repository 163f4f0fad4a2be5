import { Command, Option } from 'commander';
import { PatchlineError } from '../errors.js';
import { API_VERSION, type Release, releaseSchema } from '../fleet/index.js';
import {
  applyCommand,
  checked,
  controllerCommand,
  createFromFile,
  createResource,
  deleteCommand,
  getCommand,
  listCommand,
  type OutputFlags,
  type ResourceKind,
} from './resource-commands.js';
import { releaseColumns } from './resource-output.js';

export const RELEASE: ResourceKind<Release> = {
  noun: 'release',
  kind: 'Release',
  plural: 'releases',
  schema: releaseSchema,
  columns: releaseColumns,
};

interface CreateFlags extends OutputFlags {
  filename?: string;
  fleet?: string;
  image?: string;
  gate?: 'passed' | 'failed';
  force?: string;
  by?: string;
}

export function releaseCommand(): Command {
  const create = controllerCommand('create')
    .description('create a release: an immutable image@sha256:… for a fleet')
    .argument('[name]', 'release name (omit with -f)')
    .option('-f, --filename <file>', 'create the releases of a YAML or JSON file instead')
    .option('--fleet <name>', 'the fleet it is for')
    .option('--image <repository@digest>', 'the image, pinned by digest')
    .addOption(new Option('--gate <verdict>', 'the patchline gate verdict').choices(['passed', 'failed']))
    .option('--force <reason>', 'let it roll out although its gate failed, and record why')
    .option('--by <who>', 'who forced it (recorded with the reason)')
    .action(async (name: string | undefined, flags: CreateFlags) => {
      if (flags.filename !== undefined) return createFromFile(RELEASE, flags.filename, flags);
      await createResource(RELEASE, releaseFromFlags(name, flags), flags);
    });
  return new Command('release')
    .description('releases: images pinned by digest, with their gate verdict, that rollouts move over a fleet')
    .addCommand(create)
    .addCommand(listCommand(RELEASE))
    .addCommand(getCommand(RELEASE))
    .addCommand(applyCommand(RELEASE))
    .addCommand(deleteCommand(RELEASE));
}

function releaseFromFlags(name: string | undefined, flags: CreateFlags): Release {
  if (name === undefined) throw new PatchlineError('usage', 'release create', 'a release name is needed (or -f FILE)');
  if (flags.fleet === undefined || flags.image === undefined) {
    throw new PatchlineError('usage', `release create ${name}`, '--fleet and --image are needed');
  }
  if (flags.by !== undefined && flags.force === undefined) {
    throw new PatchlineError('usage', `--by ${flags.by}`, 'only goes with --force');
  }
  return checked(
    RELEASE,
    {
      apiVersion: API_VERSION,
      kind: 'Release',
      metadata: { name },
      spec: {
        fleet: flags.fleet,
        image: flags.image,
        ...(flags.gate === undefined ? {} : { gate: { passed: flags.gate === 'passed' } }),
        ...(flags.force === undefined
          ? {}
          : { force: { reason: flags.force, ...(flags.by === undefined ? {} : { by: flags.by }) } }),
      },
    },
    `release create ${name}`,
  );
}
