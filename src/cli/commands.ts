import type { Command } from 'commander';

/**
 * Every top-level command, described cheaply: `patchline --help` and `--version` list these without importing any
 * command module (each pulls in its part of the scanner, store or server), and `main` imports only the module of the
 * command being run (see docs/decisions/0054-lazy-command-loading.md). `term` and `description` must match what
 * the module declares; test/cli-startup.test.ts checks that they do.
 */
export interface CommandEntry {
  name: string;
  /** The command's line in the top-level help: name, `[options]` when it has any, its arguments. */
  term: string;
  description: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'inspect',
    term: 'inspect [options] <image>',
    description: 'show an image: digest, platform, labels, layers; with --list, the files of its merged tree',
    load: async () => (await import('./inspect.js')).inspectCommand(),
  },
  {
    name: 'sbom',
    term: 'sbom [options] <image>',
    description: "list an image's installed packages (rpm, dpkg, apk), OS, kernel and bootc status as an SBOM",
    load: async () => (await import('./sbom.js')).sbomCommand(),
  },
  {
    name: 'scan',
    term: 'scan [options] <image>',
    description:
      'list the published fixes an image lacks, and since when (fixes available first, oldest first), from the local advisory database',
    load: async () => (await import('./scan.js')).scanCommand(),
  },
  {
    name: 'diff',
    term: 'diff [options] <old> <new>',
    description:
      'the patch notes of an update from OLD to NEW: packages added, removed, upgraded and downgraded, fixes gained and advisories newly applicable, kernel, layers',
    load: async () => (await import('./diff.js')).diffCommand(),
  },
  {
    name: 'gate',
    term: 'gate [options] [image]',
    description:
      'check an image against a policy (fix availability and age, never severity): verdict and every rule with the findings behind it',
    load: async () => (await import('./gate.js')).gateCommand(),
  },
  {
    name: 'db',
    term: 'db',
    description: 'manage the local advisory database (update, import, export, push, pull, status)',
    load: async () => (await import('./db.js')).dbCommand(),
  },
  {
    name: 'serve',
    term: 'serve [options]',
    description: 'run the fleet controller: admin API, host API, registry gateway, FleetLock and metrics',
    load: async () => (await import('./serve.js')).serveCommand(),
  },
  {
    name: 'fleet',
    term: 'fleet',
    description: 'fleets: hosts chosen by labels, the image they run, and how releases roll out over them',
    load: async () => (await import('./fleet.js')).fleetCommand(),
  },
  {
    name: 'release',
    term: 'release',
    description: 'releases: images pinned by digest, with their gate verdict, that rollouts move over a fleet',
    load: async () => (await import('./release.js')).releaseCommand(),
  },
  {
    name: 'rollout',
    term: 'rollout',
    description: 'rollouts: a release moving over its fleet in health-gated batches',
    load: async () => (await import('./rollout.js')).rolloutCommand(),
  },
  {
    name: 'host',
    term: 'host',
    description: 'hosts: bootc machines enrolled with the controller, their reboot locks, and the files that make one',
    load: async () => (await import('./host.js')).hostCommand(),
  },
  {
    name: 'pipeline',
    term: 'pipeline',
    description:
      'hands-off patching: rebuild, test, publish, release and promote an image when a fix or a new base appears',
    load: async () => (await import('./pipeline.js')).pipelineCommand(),
  },
  {
    name: 'version',
    term: 'version [options]',
    description: 'print the version, the commit it was built from and the database schemas it uses',
    load: async () => (await import('./version-command.js')).versionCommand(),
  },
  {
    name: 'cache',
    term: 'cache',
    description: "the scanner's and the registry gateway's blob caches: what they hold, and pruning them",
    load: async () => (await import('./cache.js')).cacheCommand(),
  },
  {
    name: 'exposure',
    term: 'exposure [options]',
    description:
      'show the exposure ledger: for each fix and fleet, every stage from publication to the last host, and the window',
    load: async () => (await import('./exposure.js')).exposureCommand(),
  },
];
