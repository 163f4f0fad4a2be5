import { Command, Option } from 'commander';
import { pullDatabase, pushDatabase } from '../advisories/index.js';
import { PatchlineError } from '../core/index.js';
import {
  parseRegistryReference,
  RegistryClient,
  type RegistryClientOptions,
  type RegistryReference,
} from '../oci/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { writeOutput } from './output.js';

interface ArtifactFlags extends ImageFlags {
  db?: string;
  format: 'text' | 'json';
}

/** `patchline db push REF`: the database as an OCI artifact in any registry. */
export function dbPushCommand(): Command {
  return artifactCommand('push', 'push the advisory database to a registry as an OCI artifact').action(
    async (ref: string, flags: ArtifactFlags) => {
      const target = registryReference(ref);
      const pushed = await pushDatabase(resolveDbPath(flags.db), target, client(target, flags));
      await writeOutput(
        flags.format === 'json'
          ? `${JSON.stringify(pushed, null, 2)}\n`
          : `${pushed.reference}@${pushed.digest} (snapshot ${pushed.snapshotId}, ${pushed.layer.size} bytes)\n`,
        undefined,
      );
    },
  );
}

/** `patchline db pull REF`: replace the local database with an artifact pushed by `db push`, digests verified. */
export function dbPullCommand(): Command {
  return artifactCommand('pull', 'replace the advisory database with one pulled from a registry').action(
    async (ref: string, flags: ArtifactFlags) => {
      const source = registryReference(ref);
      const dbPath = resolveDbPath(flags.db);
      const pulled = await pullDatabase(source, dbPath, client(source, flags));
      await writeOutput(
        flags.format === 'json'
          ? `${JSON.stringify({ ...pulled, database: dbPath }, null, 2)}\n`
          : `${dbPath}: ${pulled.reference}@${pulled.digest} (snapshot ${pulled.snapshotId}, ${pulled.bytes} bytes)\n`,
        undefined,
      );
    },
  );
}

/** The registry flags that apply to an artifact (no platform, no layer cache), spelled as for images. */
const REGISTRY_FLAGS = ['--tls-verify', '--creds', '--authfile'];

function artifactCommand(name: string, description: string): Command {
  const command = new Command(name)
    .description(description)
    .argument('<ref>', 'a registry reference: [docker://]HOST/REPO[:TAG]')
    .addOption(dbOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'));
  for (const option of imageOptions()) if (REGISTRY_FLAGS.includes(option.long ?? '')) command.addOption(option);
  return command;
}

function registryReference(ref: string): RegistryReference {
  const name = ref.startsWith('docker://') ? ref.slice('docker://'.length) : ref;
  if (/^[a-z-]+:(?!\d)/.test(name) && !name.includes('/')) {
    throw new PatchlineError('usage', ref, 'db push and pull take a registry reference (HOST/REPO[:TAG])');
  }
  return parseRegistryReference(name, ref);
}

function client(reference: RegistryReference, flags: ArtifactFlags): RegistryClient {
  const open = toOpenImageOptions({
    tlsVerify: flags.tlsVerify,
    ...(flags.creds ? { creds: flags.creds } : {}),
    ...(flags.authfile ? { authfile: flags.authfile } : {}),
  });
  const options: RegistryClientOptions = {};
  if (open.tlsVerify !== undefined) options.tlsVerify = open.tlsVerify;
  if (open.credentials !== undefined) options.credentials = open.credentials;
  if (open.authFiles !== undefined) options.authFiles = open.authFiles;
  return new RegistryClient(reference.registry, options);
}
