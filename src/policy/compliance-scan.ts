import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { PatchlineError, renameDurably, temporaryPathFor } from '../core/index.js';
import { type OpenImageOptions, openImage, parseImageReference, sha256OfFile } from '../oci/index.js';
import { DirectoryTree, extractMergedTree } from '../rootfs/index.js';
import type { ComplianceFacts } from './gate-inputs.js';
import type { ComplianceSpec } from './policy-document.js';
import { parseXccdfResults } from './xccdf-results.js';

export interface ComplianceScanOptions {
  image?: OpenImageOptions;
  /** Where to keep the ARF results file (beside the evidence); without it no ARF is written. */
  arf?: string;
}

// Only the end of oscap's stderr is kept for a message; a runaway stream is not held whole.
const MAX_STDERR_BYTES = 1024 * 1024;

/**
 * The compliance rule's I/O edge: the image's merged root filesystem, evaluated offline by OpenSCAP against the
 * policy's datastream and profile. oscap reads the tree through its probes with OSCAP_PROBE_ROOT set (what
 * oscap-chroot does), so nothing of this machine is evaluated in the image's stead. Every oscap failure, and every
 * probe that reports an error, is a gate error: a probe that failed leaves rules looking passed or failed when
 * nothing was read (see docs/decisions/0064-compliance-with-openscap.md).
 */
export async function scanCompliance(
  reference: string,
  policyPath: string,
  spec: ComplianceSpec,
  options: ComplianceScanOptions = {},
): Promise<ComplianceFacts> {
  const base = dirname(resolve(policyPath));
  const datastream = {
    path: spec.datastream,
    file: isAbsolute(spec.datastream) ? spec.datastream : join(base, spec.datastream),
  };
  const tailoring =
    spec.tailoring === undefined
      ? undefined
      : { path: spec.tailoring, file: isAbsolute(spec.tailoring) ? spec.tailoring : join(base, spec.tailoring) };
  const datastreamDigest = await digestOf(datastream.file, 'the compliance datastream');
  const tailoringDigest = tailoring === undefined ? undefined : await digestOf(tailoring.file, 'the tailoring file');
  const scanner = await oscapVersion();
  const work = await mkdtemp(join(tmpdir(), 'patchline-oscap-'));
  try {
    const parsed = parseImageReference(reference);
    // No trailing slash: oscap 1.3.7's file probes then look for `ROOT//etc/shadow`, find nothing, and rules that want
    // a file absent or "no file with a bad mode" pass without reading anything.
    const root = parsed.transport === 'dir' ? resolve(parsed.path) : join(work, 'root');
    if (parsed.transport !== 'dir') {
      await mkdir(root);
      const image = await openImage(parsed, options.image ?? {});
      try {
        await extractMergedTree(image, root);
      } finally {
        await image.close();
      }
    } else if (!(await stat(root).catch(() => undefined))?.isDirectory()) {
      throw new PatchlineError('not-found', reference, 'is not a folder');
    }
    const home = join(work, 'home');
    await mkdir(home);
    await writeRpmMacros(root, home);
    const xccdf = join(work, 'results.xml');
    const arf = join(work, 'arf.xml');
    const args = ['xccdf', 'eval', '--profile', spec.profile, '--results', xccdf];
    if (tailoring !== undefined) args.push('--tailoring-file', tailoring.file);
    if (options.arf !== undefined) args.push('--results-arf', arf);
    args.push(datastream.file);
    const { code, stderr } = await runOscap(args, {
      OSCAP_PROBE_ROOT: root,
      OSCAP_PROBE_OS_NAME: 'Linux',
      OSCAP_PROBE_PRIMARY_HOST_NAME: 'image',
      OSCAP_EVALUATION_TARGET: reference,
      HOME: home,
    });
    const what = `oscap xccdf eval --profile ${spec.profile} ${datastream.path}`;
    // 0: every rule passed, 2: some failed; anything else (1: an error) means there is no verdict to read.
    if (code !== 0 && code !== 2) {
      throw new PatchlineError(
        'input',
        datastream.path,
        `could not be evaluated (${what} exited with ${code}): ${tail(stderr)}`,
      );
    }
    const errors = stderr.split('\n').filter((line) => line.startsWith('E:'));
    if (errors.length > 0) {
      throw new PatchlineError(
        'unsupported',
        reference,
        `OpenSCAP's probes failed on this image, so the rules that use them would be judged on nothing read (${unique(errors).join('; ')}); select rules that do not need them with a tailoring file`,
      );
    }
    const results = parseXccdfResults(await readFile(xccdf, 'utf8'), `${what} results`);
    if (results.profile !== spec.profile) {
      throw new PatchlineError(
        'input',
        datastream.path,
        `evaluated profile ${results.profile ?? '(none)'}, not ${spec.profile}`,
      );
    }
    const facts: ComplianceFacts = {
      datastream: { path: datastream.path, digest: datastreamDigest },
      profile: spec.profile,
      scanner,
      results: results.results.filter((result) => result.result !== 'notselected'),
      warnings: unique(stderr.split('\n').filter((line) => line.startsWith('W:'))),
    };
    if (tailoring !== undefined && tailoringDigest !== undefined) {
      facts.tailoring = { path: tailoring.path, digest: tailoringDigest };
    }
    if (options.arf !== undefined) facts.arf = { path: options.arf, digest: await keepFile(arf, options.arf) };
    return facts;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function digestOf(file: string, what: string): Promise<string> {
  try {
    return await sha256OfFile(file);
  } catch (error) {
    throw new PatchlineError('not-found', file, `(${what}) cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
}

/**
 * oscap's rpm probes read the database through librpm, whose Debian build looks for it under ~/.rpmdb unless told
 * otherwise: a macros file in the run's own HOME names the image's database (its folder and backend), read inside
 * the probe root. Symlinks (bootc's var/lib/rpm → usr/share/rpm) are followed inside the image, never on this host.
 */
async function writeRpmMacros(root: string, home: string): Promise<void> {
  const candidates = ['usr/lib/sysimage/rpm', 'var/lib/rpm', 'usr/share/rpm'].flatMap((dir) => [
    { path: `${dir}/rpmdb.sqlite`, backend: 'sqlite' },
    { path: `${dir}/Packages`, backend: 'bdb_ro' },
  ]);
  const tree = new DirectoryTree(root);
  const found = await tree.read(candidates.map(({ path }) => ({ path, content: 'none' as const })));
  const database = found.files.find((file) => file.entry.type === 'file');
  if (database === undefined) return;
  const backend = candidates.find((candidate) => candidate.path === database.path)!.backend;
  const path = database.resolvedPath ?? database.path;
  await writeFile(join(home, '.rpmmacros'), `%_dbpath /${dirname(path)}\n%_db_backend ${backend}\n`);
}

async function oscapVersion(): Promise<string> {
  const { code, stdout } = await runOscap(['--version'], {});
  const version = /\(oscap\)\s+(\S+)/.exec(stdout)?.[1];
  if (code !== 0 || version === undefined) {
    throw new PatchlineError('unsupported', 'oscap', 'did not report its version (oscap --version)');
  }
  return `oscap ${version}`;
}

function runOscap(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, failed) => {
    const child = spawn('oscap', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // The evaluation's stdout is a line per rule: only `oscap --version` is read from it.
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_STDERR_BYTES) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR_BYTES);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      failed(
        error.code === 'ENOENT'
          ? new PatchlineError(
              'unsupported',
              'oscap',
              'is not installed (apt-get install openscap-scanner, dnf install openscap-scanner)',
            )
          : error,
      ),
    );
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** Copies a finished file to where it is kept, whole or not at all, and returns its digest. */
async function keepFile(from: string, to: string): Promise<string> {
  const temp = temporaryPathFor(to);
  try {
    await copyFile(from, temp);
    await renameDurably(temp, to);
  } catch (error) {
    await rm(temp, { force: true });
    throw new PatchlineError('input', to, `cannot be written (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return sha256OfFile(to);
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-5).join(' / ') || 'no message';
}

function unique(lines: string[]): string[] {
  return [...new Set(lines.map((line) => line.replace(/\s+/g, ' ').trim()))];
}
