import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { formatSchemaError, PatchlineError, pinnedDigest } from '../core/index.js';
import { API_VERSION, type Release, releaseSchema } from '../fleet/index.js';
import { MAX_EVIDENCE_BYTES, parseGateEvidence } from '../policy/index.js';
import { imageDiffJsonSchema, type ReleaseDiff, releaseDiffOf } from '../report/index.js';
import {
  applyCommand,
  checked,
  controllerCommand,
  createResource,
  deleteCommand,
  getCommand,
  listCommand,
  type OutputFlags,
  type ResourceKind,
} from './resource-commands.js';
import { readResourceDocuments } from './resource-documents.js';
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
  evidence?: string;
  diff?: string;
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
    .addOption(
      new Option('--gate <verdict>', 'the patchline gate verdict').choices(['passed', 'failed']).conflicts('evidence'),
    )
    .option(
      '--evidence <file>',
      "the gate's evidence (patchline gate --evidence, the record or its in-toto statement) for this image: sets the verdict, records the file's sha256 and sends the file, kept with the release",
    )
    .option(
      '--diff <file>',
      "the image diff from the fleet's previous release to this image (patchline diff -f json OLD NEW), kept with the release; the controller checks both digests",
    )
    .option(
      '--force <reason>',
      'let it roll out although its gate failed, or with --gate passed but no evidence, and record why',
    )
    .option('--by <who>', 'who forced it (recorded with the reason)')
    .action(async (name: string | undefined, flags: CreateFlags) => {
      if (flags.filename !== undefined) {
        for (const [flag, value] of [
          ['--evidence', flags.evidence],
          ['--diff', flags.diff],
        ] as const) {
          if (value !== undefined)
            throw new PatchlineError('usage', `${flag} ${value}`, 'goes with flags, not with -f FILE');
        }
        // Every document is checked before any is created: the same rule as for flags.
        const releases = await readResourceDocuments(flags.filename, RELEASE.kind, RELEASE.schema);
        for (const release of releases)
          checkUnprovenPass(release, `${flags.filename} (release ${release.metadata.name})`);
        for (const release of releases) await createResource(RELEASE, release, flags);
        return;
      }
      await createResource(RELEASE, await releaseFromFlags(name, flags), flags);
    });
  return new Command('release')
    .description('releases: images pinned by digest, with their gate verdict, that rollouts move over a fleet')
    .addCommand(create)
    .addCommand(listCommand(RELEASE))
    .addCommand(getCommand(RELEASE))
    .addCommand(applyCommand(RELEASE))
    .addCommand(deleteCommand(RELEASE));
}

/** A release and what it was made with, as the admin API takes them (server/release-attachments.ts). */
type ReleaseRequest = Release & { attachments?: { evidence?: string; diff?: ReleaseDiff } };

async function releaseFromFlags(name: string | undefined, flags: CreateFlags): Promise<ReleaseRequest> {
  if (name === undefined) throw new PatchlineError('usage', 'release create', 'a release name is needed (or -f FILE)');
  if (flags.fleet === undefined || flags.image === undefined) {
    throw new PatchlineError('usage', `release create ${name}`, '--fleet and --image are needed');
  }
  if (flags.by !== undefined && flags.force === undefined) {
    throw new PatchlineError('usage', `--by ${flags.by}`, 'only goes with --force');
  }
  if (flags.gate === 'passed' && flags.force === undefined) {
    throw new PatchlineError('usage', `release create ${name} --gate passed`, UNPROVEN_PASS);
  }
  const fromEvidence = flags.evidence === undefined ? undefined : await gateFromEvidence(flags.evidence, flags.image);
  const gate =
    fromEvidence !== undefined
      ? { passed: fromEvidence.passed, evidence: fromEvidence.evidence }
      : flags.gate === undefined
        ? undefined
        : { passed: flags.gate === 'passed' };
  const diff = flags.diff === undefined ? undefined : await readDiff(flags.diff, flags.image);
  const release = checked(
    RELEASE,
    {
      apiVersion: API_VERSION,
      kind: 'Release',
      metadata: { name },
      spec: {
        fleet: flags.fleet,
        image: flags.image,
        ...(gate === undefined ? {} : { gate }),
        ...(flags.force === undefined
          ? {}
          : { force: { reason: flags.force, ...(flags.by === undefined ? {} : { by: flags.by }) } }),
      },
    },
    `release create ${name}`,
  );
  if (fromEvidence === undefined && diff === undefined) return release;
  return {
    ...release,
    attachments: {
      ...(fromEvidence === undefined ? {} : { evidence: fromEvidence.document }),
      ...(diff === undefined ? {} : { diff }),
    },
  };
}

const UNPROVEN_PASS =
  "a passed verdict without the gate's evidence cannot be checked: give --evidence FILE (patchline gate --evidence), or --force REASON to record why it is taken on trust";

/** A verdict typed by hand is a claim nobody can check: like a failed gate, it needs a recorded reason. */
function checkUnprovenPass(release: Release, input: string): void {
  const { gate, force } = release.spec;
  if (gate?.passed === true && gate.evidence === undefined && force === undefined) {
    throw new PatchlineError(
      'usage',
      input,
      'has gate.passed without gate.evidence, a verdict nobody can check: create it with --evidence FILE, or give force.reason to record why it is taken on trust',
    );
  }
}

/**
 * The verdict of a gate evidence file, for the release's image only: the evidence must name the digest the release
 * pins. The release records the evidence file's own sha256 (docs/decisions/0020-gate-evidence.md): small, and anyone
 * holding the file, or pulling it as an attestation, can check it is the one the release was made with.
 */
async function gateFromEvidence(
  file: string,
  image: string,
): Promise<{ passed: boolean; evidence: string; document: string }> {
  const pinned = requirePinnedDigest(image, '--evidence');
  const bytes = await readLimited(file, 'gate evidence');
  const document = bytes.toString('utf8');
  // The controller keeps the text and checks it hashes to the digest: bytes that are not UTF-8 would not.
  if (!Buffer.from(document, 'utf8').equals(bytes)) throw new PatchlineError('input', file, 'is not UTF-8 text');
  const evidence = parseGateEvidence(document, file);
  if (evidence.image.digest === undefined) {
    throw new PatchlineError(
      'input',
      file,
      `names no image digest (${evidence.image.reference} was gated without one), so it cannot vouch for ${image}`,
    );
  }
  if (evidence.image.digest !== pinned) {
    throw new PatchlineError(
      'input',
      file,
      `is the evidence for ${evidence.image.digest} (${evidence.image.reference}), not for the release's image ${pinned}`,
    );
  }
  return {
    passed: evidence.verdict === 'pass',
    evidence: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    document,
  };
}

function requirePinnedDigest(image: string, flag: string): string {
  const pinned = pinnedDigest(image);
  if (pinned === undefined) {
    throw new PatchlineError(
      'usage',
      `--image ${image}`,
      `must be pinned by digest (repository@sha256:…) to go with ${flag}`,
    );
  }
  return pinned;
}

/**
 * `patchline diff -f json` from the previous release's image to this one, without its layers. Only the new side is
 * checked here; the controller knows which release came before and checks the old side.
 */
async function readDiff(file: string, image: string): Promise<ReleaseDiff> {
  const pinned = requirePinnedDigest(image, '--diff');
  const text = (await readLimited(file, 'an image diff')).toString('utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PatchlineError('input', file, `is not JSON (${(error as Error).message})`);
  }
  const parsed = imageDiffJsonSchema.safeParse(document);
  if (!parsed.success) {
    const problem = formatSchemaError(parsed.error);
    throw new PatchlineError('input', file, `is not an image diff (patchline diff -f json): ${problem}`);
  }
  if (parsed.data.new.digest !== pinned) {
    throw new PatchlineError(
      'input',
      file,
      `is the diff to ${parsed.data.new.digest ?? `${parsed.data.new.reference} (no digest)`}, not to the release's image ${pinned}`,
    );
  }
  return releaseDiffOf(parsed.data);
}

async function readLimited(file: string, what: string): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new PatchlineError('input', file, 'is not a file');
    if (info.size > MAX_EVIDENCE_BYTES) {
      throw new PatchlineError('limit', file, `is ${info.size} bytes, more than ${what} takes (${MAX_EVIDENCE_BYTES})`);
    }
    return await readFile(file);
  } catch (error) {
    if (error instanceof PatchlineError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PatchlineError('not-found', file, 'does not exist');
    throw new PatchlineError('input', file, `cannot be read (${code ?? (error as Error).message})`);
  }
}
