import { Command } from 'commander';
import { PatchlineError } from '../core/index.js';
import { API_VERSION, type Fleet, fleetSchema } from '../fleet/index.js';
import { PIPELINE } from './pipeline.js';
import { policyFlags, type RolloutPolicyFlags, rolloutPolicyOptions } from './policy-flags.js';
import {
  applyCommand,
  checked,
  collect,
  controllerCommand,
  createFromFile,
  createResource,
  deleteCommand,
  getCommand,
  listCommand,
  type OutputFlags,
  parseLabelPairs,
  type ResourceKind,
} from './resource-commands.js';
import { fleetColumns } from './resource-output.js';

export const FLEET: ResourceKind<Fleet> = {
  noun: 'fleet',
  kind: 'Fleet',
  plural: 'fleets',
  schema: fleetSchema,
  columns: fleetColumns,
};

interface CreateFlags extends OutputFlags, RolloutPolicyFlags {
  filename?: string;
  selector?: string[];
  image?: string;
  label?: string[];
}

export function fleetCommand(): Command {
  const create = controllerCommand('create')
    .description('create a fleet: the hosts a label selector matches, tracking one image repository')
    .argument('[name]', 'fleet name (omit with -f)')
    .option('-f, --filename <file>', 'create the fleets of a YAML or JSON file instead')
    .option('--selector <k=v>', 'hosts whose labels match (repeatable; all must hold)', collect)
    .option('--image <repository>', 'the image repository the fleet runs, e.g. quay.io/example/os')
    .option('--label <k=v>', 'a label of the fleet itself (repeatable)', collect);
  for (const option of rolloutPolicyOptions()) create.addOption(option);
  create.action(async (name: string | undefined, flags: CreateFlags) => {
    if (flags.filename !== undefined) return createFromFile(FLEET, flags.filename, flags);
    await createResource(FLEET, fleetFromFlags(name, flags), flags);
  });
  return new Command('fleet')
    .description('fleets: hosts chosen by labels, the image they run, and how releases roll out over them')
    .addCommand(create)
    .addCommand(listCommand(FLEET))
    .addCommand(getCommand(FLEET))
    .addCommand(applyCommand(FLEET, [PIPELINE]))
    .addCommand(deleteCommand(FLEET));
}

function fleetFromFlags(name: string | undefined, flags: CreateFlags): Fleet {
  if (name === undefined) throw new PatchlineError('usage', 'fleet create', 'a fleet name is needed (or -f FILE)');
  if (flags.image === undefined) throw new PatchlineError('usage', `fleet create ${name}`, '--image is needed');
  const labels = flags.label === undefined ? undefined : parseLabelPairs(flags.label, '--label');
  const policy = policyFlags(flags);
  return checked(
    FLEET,
    {
      apiVersion: API_VERSION,
      kind: 'Fleet',
      metadata: { name, ...(labels === undefined ? {} : { labels }) },
      spec: {
        selector: { matchLabels: parseLabelPairs(flags.selector ?? [], '--selector') },
        image: flags.image,
        ...(policy === undefined ? {} : { rolloutPolicy: policy }),
      },
    },
    `fleet create ${name}`,
  );
}
