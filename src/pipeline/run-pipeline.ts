import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isPatchlineError, PatchlineError, writeFileAtomic } from '../core/index.js';
import {
  DEFAULT_STEP_TIMEOUT,
  fixKey,
  type MissingFix,
  type Pipeline,
  type PipelineRun,
  parseDuration,
  type RunOutcome,
  type StepRecord,
  toTimestamp,
} from '../fleet/index.js';
import type { Inventory } from '../inventory/index.js';
import {
  type Digest,
  type OpenImageOptions,
  openImageSource,
  parseImageReference,
  parseRegistryReference,
  pushImage,
  RegistryClient,
  type RegistryClientOptions,
} from '../oci/index.js';
import { diffImages, diffPackages, gateEvidence, gateImage } from '../policy/index.js';
import { releaseDiffOf, renderGateReport } from '../report/index.js';
import { type ScanResult, scanInventory } from '../scan/index.js';
import {
  carryOutPromotion,
  fleetStates,
  type PromotedImage,
  recordBlocked,
  type ShippedImage,
  shippedImages,
} from './advance-promotion.js';
import { finalBaseImage } from './containerfile.js';
import type { PipelineController } from './controller-port.js';
import { exposureRecords, type FixFacts, fixOf, missingFixesOf, verifyFixes } from './fixes.js';
import { buildImage, exportImage, removeImage } from './image-tools.js';
import { InventoryCache } from './inventory-cache.js';
import { runCommand } from './run-command.js';
import { sourceDigest } from './source-digest.js';
import { decideTriggers, lastBuildAttempt } from './triggers.js';

/**
 * One reconcile pass of a pipeline: advance the promotions of the image it already shipped, then, if a trigger
 * holds, build, verify, test, publish, release and promote a new one. Idempotent: run it from cron, a systemd timer
 * or a CI schedule as often as you like; the controller's lease lets one run at a time build.
 */

export interface PipelinePassOptions {
  pipeline: Pipeline;
  /** The pipeline file's folder: relative paths in the spec start there. */
  baseDir: string;
  /** Each run keeps its log, record, gate evidence and image under STATE_DIR/RUN/. */
  stateDir: string;
  controller: PipelineController;
  /** The advisory database. */
  db: string;
  /** Registry options for the base lookup, the current image's scan and the push. */
  image: OpenImageOptions;
  /** Called with each image's inventory: it throws for an empty or partial one (fail closed). */
  checkInventory: (image: string, inventory: Inventory) => void;
  clock?: () => number;
  podman?: string;
  /** Progress, a line at a time. */
  log?: (line: string) => void;
  /** How long a run holds the pipeline before another may take it over; renewed while it works. */
  leaseMs?: number;
}

export interface PassResult {
  outcome: RunOutcome;
  message: string;
  run?: PipelineRun;
  /** 0 nothing to do or shipped; 1 a fix could not ship; 2 error. */
  exitCode: 0 | 1 | 2;
  /** Releases and rollouts started for images shipped earlier (promotion along `after`). */
  promoted: string[];
}

const DEFAULT_LEASE_MS = 10 * 60_000;

export async function runPipelinePass(options: PipelinePassOptions): Promise<PassResult> {
  const { pipeline, controller } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const name = pipeline.metadata.name;
  await controller.applyPipeline(pipeline);
  const runs = await controller.listRuns(name);

  // 1. Promotion of what already shipped: later fleets once their `after` holds; failures block their fixes.
  const fleets = await fleetStates(pipeline, controller);
  const shipped = shippedImages(pipeline, runs, fleets, clock());
  const failed = shipped.filter((image) => image.decision.failed !== undefined);
  for (const image of failed) await recordBlocked(pipeline, image, controller);
  const current = shipped.find((image) => image.decision.failed === undefined);
  const promoted: string[] = [];
  if (current !== undefined) {
    const image = await imageOf(current, join(resolve(options.stateDir), name, current.run.metadata.name));
    for (const step of await carryOutPromotion(pipeline, image, current.decision, controller, clock, fleets)) {
      const what = step.rollout === undefined ? `release ${step.release}` : `rollout ${step.rollout}`;
      promoted.push(`${what} on ${step.fleet}`);
      log(`${name}: started ${what} on fleet ${step.fleet}`);
    }
  }

  // 2. Observe: the base, the source, and the fixes the current image lacks.
  const spec = pipeline.spec;
  const containerfile = spec.source === undefined ? undefined : resolvePath(options.baseDir, spec.source.containerfile);
  const context = resolvePath(
    options.baseDir,
    spec.source?.context ?? spec.build?.context ?? (containerfile === undefined ? '.' : dirname(containerfile)),
  );
  const base =
    containerfile !== undefined && spec.triggers?.baseImage !== false
      ? await resolveBase(containerfile, options.image)
      : undefined;
  const source = await sourceDigest(context);
  const inventories = new InventoryCache(join(resolve(options.stateDir), 'inventories'));
  let currentMissing: FixFacts[] | undefined;
  let currentInventory: Inventory | undefined;
  let currentScan: ScanResult | undefined;
  if (current !== undefined) {
    log(`${name}: matching the current image ${current.reference}`);
    currentInventory = await inventories.inventory(
      `docker://${current.reference}`,
      current.digest,
      options.image,
      options.checkInventory,
    );
    currentScan = scanInventory(currentInventory, { db: options.db });
    currentMissing = missingFixesOf(currentScan);
  }
  const blocked = new Set(failed.flatMap((image) => (image.run.status.shipped ?? []).map(fixKey)));
  const decision = decideTriggers({
    spec,
    now: clock(),
    runs,
    base,
    sourceDigest: source,
    missingFixes: currentMissing,
    blockedFixes: blocked,
  });
  if (decision.action !== 'build') {
    return { outcome: 'idle', message: decision.reason, exitCode: 0, promoted };
  }

  // 3. A run: recorded at the controller before anything is built, so one runs at a time.
  const started = clock();
  const runName = `${name.slice(0, 200)}-${compactTime(started)}-${randomBytes(3).toString('hex')}`;
  const runDir = join(resolve(options.stateDir), name, runName);
  await mkdir(runDir, { recursive: true });
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const run: PipelineRun = {
    apiVersion: 'patchline.dev/v1',
    kind: 'PipelineRun',
    metadata: { name: runName, pipeline: name },
    status: {
      outcome: 'running',
      startedAt: toTimestamp(started),
      leaseUntil: toTimestamp(started + leaseMs),
      triggers: decision.triggers,
      fixes: decision.fixes.map((fix) => fixOf(fix as FixFacts)),
      ...(base === undefined ? {} : { base }),
      sourceDigest: source,
      steps: [],
    },
  };
  const journal = new RunJournal(run, runDir, controller, clock, leaseMs, log);
  await controller.startRun(run);
  journal.startRenewing();
  const facts = new Map((currentMissing ?? []).map((fix) => [fixKey(fix), fix]));
  const fleetNames = (spec.promote ?? []).map((promotion) => promotion.fleet);
  try {
    await journal.save();
    log(`${name}: run ${runName}: ${decision.triggers.map((trigger) => trigger.detail).join('; ')}`);
    // A fix the last build could not install stays reported so while this build tries again: its state changes
    // when the verify step knows more, not because a new attempt started.
    const lastMissing = new Map((lastBuildAttempt(runs)?.status.missing ?? []).map((item) => [fixKey(item.fix), item]));
    await controller.recordExposures(
      decision.fixes.flatMap((fix) => {
        const missing = lastMissing.get(fixKey(fix));
        return exposureRecords([facts.get(fixKey(fix)) ?? (fix as FixFacts)], fleetNames, {
          state: missing === undefined ? 'open' : 'not-installable',
          stages: { detected: toTimestamp(started) },
          ...(missing === undefined ? {} : { note: missing.reason }),
        });
      }),
    );

    return await buildAndShip({
      options,
      journal,
      runDir,
      containerfile,
      context,
      base,
      source,
      current,
      currentMissing,
      currentInventory,
      currentScan,
      inventories,
      facts,
      fleetNames,
      failedDigests: new Set(failed.map((image) => image.digest)),
      promoted,
      clock,
    });
  } catch (error) {
    const message = isPatchlineError(error) ? error.message : `internal error: ${(error as Error).stack ?? error}`;
    const pushed = journal.run.status.image?.pushed === true;
    // The run's file is written before the controller is told: when the controller is what failed, the file
    // still says how far the run got (a pushed image without a release, say).
    await journal.finish(pushed ? 'release-failed' : 'error', message).catch(() => {});
    return { outcome: journal.run.status.outcome, message, run: journal.run, exitCode: 2, promoted };
  } finally {
    journal.stopRenewing();
  }
}

interface ShipContext {
  options: PipelinePassOptions;
  journal: RunJournal;
  runDir: string;
  containerfile: string | undefined;
  context: string;
  base: { name: string; digest: string } | undefined;
  source: string;
  current: ShippedImage | undefined;
  currentMissing: FixFacts[] | undefined;
  currentInventory: Inventory | undefined;
  currentScan: ScanResult | undefined;
  inventories: InventoryCache;
  facts: Map<string, FixFacts>;
  fleetNames: string[];
  failedDigests: Set<string>;
  promoted: string[];
  clock: () => number;
}

async function buildAndShip(ship: ShipContext): Promise<PassResult> {
  const { options, journal, runDir, clock } = ship;
  const { pipeline } = options;
  const spec = pipeline.spec;
  const podman = options.podman ?? 'podman';
  const logFile = join(runDir, 'build.log');
  const run = journal.run;
  const tag = `localhost/patchline/${pipeline.metadata.name}:${run.metadata.name}`.toLowerCase();
  const layout = join(runDir, 'image');
  const done = (outcome: RunOutcome, message: string, exitCode: 0 | 1 | 2): PassResult => ({
    outcome,
    message,
    run: journal.run,
    exitCode,
    promoted: ship.promoted,
  });

  // Build, then write the image out: every later step reads this one layout.
  const builtAt = clock();
  await journal.begin('build');
  const built = await buildImage({
    tag,
    baseDir: options.baseDir,
    ...(ship.containerfile === undefined ? {} : { containerfile: ship.containerfile }),
    context: ship.context,
    ...(spec.build === undefined ? {} : { command: spec.build.command }),
    ...(ship.base === undefined ? {} : { base: ship.base }),
    revision: ship.source,
    created: toTimestamp(builtAt),
    fixes: run.status.fixes,
    logFile,
    timeoutMs: parseDuration(DEFAULT_STEP_TIMEOUT),
    ...(options.image.tlsVerify === undefined ? {} : { tlsVerify: options.image.tlsVerify }),
    podman,
  });
  if (!built.ok) {
    await journal.end('failed', built.problem, built.tail);
    await journal.finish('build-failed', `the build failed: ${built.problem}`);
    return done('build-failed', journal.run.status.message ?? '', 1);
  }
  await mkdir(layout, { recursive: true });
  const exported = await exportImage(podman, tag, layout, logFile, parseDuration(DEFAULT_STEP_TIMEOUT));
  if (!exported.ok) {
    await journal.end('failed', `writing the image out failed: ${exported.problem}`, exported.tail);
    await journal.finish('build-failed', `writing the image out failed: ${exported.problem}`);
    return done('build-failed', journal.run.status.message ?? '', 1);
  }
  const layoutReference = `oci:${layout}:latest`;
  const { source: layoutSource, cleanup } = await openImageSource(parseImageReference(layoutReference));
  const digest = await (async () => {
    try {
      return (await layoutSource.getManifest()).digest;
    } finally {
      await cleanup();
    }
  })();
  const reference = `${spec.publish.repository}@${digest}`;
  journal.run.status.image = { reference, digest, builtAt: toTimestamp(builtAt), pushed: false };
  await journal.end('succeeded', `built ${digest}`);

  // Verify: what the image ships against the current one, and which intended fixes it still lacks.
  await journal.begin('verify');
  const newInventory = await ship.inventories.inventory(layoutReference, digest, {}, options.checkInventory);
  const newScan = scanInventory(newInventory, { db: options.db });
  const verification = verifyFixes(run.status.fixes, ship.currentMissing, missingFixesOf(newScan));
  journal.run.status.shipped = verification.shipped.map(fixOf);
  journal.run.status.missing = verification.missing;
  await recordMissing(options.controller, verification.missing, ship.facts, ship.fleetNames);
  if (verification.shipped.length > 0) {
    await options.controller.recordExposures(
      exposureRecords(verification.shipped, ship.fleetNames, {
        state: 'open',
        stages: { detected: toTimestamp(builtAt), built: toTimestamp(builtAt) },
      }),
    );
  }
  const changes = packageChanges(ship.currentInventory, newInventory);
  const missingNote = verification.missing.map((missing) => `${fixKey(missing.fix)}: ${missing.reason}`).join('; ');
  const noRelease = async (why: string): Promise<PassResult> => {
    await journal.end('succeeded', why);
    const message = missingNote === '' ? why : `${why}; ${missingNote}`;
    await journal.finish('no-change', message);
    await removeImage(podman, tag, logFile);
    return done('no-change', message, verification.missing.length > 0 ? 1 : 0);
  };
  if (ship.failedDigests.has(digest))
    return noRelease(`the image is ${digest}, whose release failed: not offered again`);
  if (ship.current?.digest === digest) return noRelease('the image is the current one');
  if (changes === 0) return noRelease('the image changes no package: no release');
  await journal.end(
    'succeeded',
    `${verification.shipped.length} fix(es) shipped, ${changes} package change(s)${
      verification.missing.length > 0 ? `, ${verification.missing.length} fix(es) missing` : ''
    }`,
  );

  // Test: each step in order; the gate writes its evidence. A failure stops the run before anything is released.
  let evidence: string | undefined;
  let evidenceDocument: string | undefined;
  for (const step of spec.test ?? []) {
    if (step.gate !== undefined) {
      const policy = resolvePath(options.baseDir, step.gate.policy);
      await journal.begin(`gate ${step.gate.policy}`);
      // The inventory verify read (and checked) is the gate's too: the image is not read a third time.
      const result = await gateImage(layoutReference, policy, { db: options.db, inventory: newInventory });
      const record = gateEvidence(result);
      if (record.image.digest !== digest) {
        throw new PatchlineError('integrity', layoutReference, `the gate judged ${record.image.digest}, not ${digest}`);
      }
      const bytes = `${JSON.stringify(record, null, 2)}\n`;
      await writeFileAtomic(join(runDir, 'gate-evidence.json'), bytes);
      evidence = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      evidenceDocument = bytes;
      journal.run.status.evidence = evidence;
      if (result.verdict === 'fail') {
        const failedRules = result.rules.filter((rule) => rule.outcome === 'fail').map((rule) => rule.rule);
        await journal.end(
          'failed',
          `fails policy ${result.policy.name} (${failedRules.join(', ')})`,
          tailOf(renderGateReport(result, 'table')),
        );
        await journal.finish('test-failed', `the gate failed: ${failedRules.join(', ')}`);
        return done('test-failed', journal.run.status.message ?? '', 1);
      }
      await journal.end('succeeded', `passes policy ${result.policy.name}`);
      continue;
    }
    const name = step.name ?? 'test';
    await journal.begin(`test ${name}`);
    const argv = (step.run ?? []).map((arg) => arg.replaceAll('{{image}}', tag).replaceAll('{{digest}}', digest));
    const tested = await runCommand(argv, {
      cwd: options.baseDir,
      timeoutMs: parseDuration(step.timeout ?? DEFAULT_STEP_TIMEOUT),
      logFile: join(runDir, `test-${name}.log`),
    });
    if (!tested.ok) {
      await journal.end('failed', tested.problem, tested.tail);
      await journal.finish('test-failed', `test ${name} failed: ${tested.problem}`);
      return done('test-failed', journal.run.status.message ?? '', 1);
    }
    await journal.end('succeeded', undefined, tested.tail);
  }

  // Publish by digest, then the tags: the registry gets exactly the bytes that were scanned and gated.
  await journal.begin('publish');
  const tags = (spec.publish.tags ?? []).map((template) => expandTag(template, run, builtAt));
  try {
    await publish(layoutReference, spec.publish.repository, digest, tags, options.image);
  } catch (error) {
    if (!isPatchlineError(error)) throw error;
    await journal.end('failed', error.message);
    await journal.finish('publish-failed', `the push failed: ${error.message}`);
    return done('publish-failed', journal.run.status.message ?? '', 2);
  }
  journal.run.status.image = { ...journal.run.status.image!, pushed: true, ...(tags.length > 0 ? { tags } : {}) };
  await journal.end('succeeded', `pushed ${reference}${tags.length > 0 ? ` (${tags.join(', ')})` : ''}`);
  await removeImage(podman, tag, logFile);

  // Release and promote: the first fleets now, the others when their `after` holds (a later pass starts them).
  await journal.begin('release');
  const fleets = await fleetStates(pipeline, options.controller);
  const [image] = shippedImages(
    pipeline,
    [{ ...journal.run, status: { ...journal.run.status, outcome: 'shipped' } }],
    fleets,
    clock(),
  );
  // The diff from the image the pipeline last shipped: both inventories and scans are at hand, nothing is read again.
  const diff =
    ship.currentInventory === undefined || ship.currentScan === undefined
      ? undefined
      : releaseDiffOf(
          diffImages(
            { inventory: ship.currentInventory, scan: ship.currentScan },
            { inventory: newInventory, scan: newScan },
          ),
        );
  const steps = await carryOutPromotion(
    pipeline,
    { reference, digest, evidence, shipped: journal.run.status.shipped ?? [], evidenceDocument, diff },
    image!.decision,
    options.controller,
    clock,
    fleets,
  );
  journal.run.status.releases = steps
    .filter((step) => step.release !== undefined && step.rollout === undefined)
    .map((step) => ({ fleet: step.fleet, release: step.release! }));
  const rollouts = steps.filter((step) => step.rollout !== undefined).map((step) => `${step.rollout} on ${step.fleet}`);
  await journal.end(
    'succeeded',
    rollouts.length > 0 ? `rollouts started: ${rollouts.join(', ')}` : 'no fleet to promote to yet',
  );
  const message = `shipped ${reference}: ${verification.shipped.length} fix(es)${
    missingNote === '' ? '' : `; ${missingNote}`
  }`;
  await journal.finish('shipped', message);
  return done('shipped', message, verification.missing.length > 0 ? 1 : 0);
}

async function publish(
  layoutReference: string,
  repository: string,
  digest: string,
  tags: readonly string[],
  image: OpenImageOptions,
): Promise<void> {
  const target = parseRegistryReference(`${repository}@${digest}`);
  const clientOptions: RegistryClientOptions = {};
  if (image.tlsVerify !== undefined) clientOptions.tlsVerify = image.tlsVerify;
  if (image.authFiles !== undefined) clientOptions.authFiles = image.authFiles;
  if (image.credentials !== undefined) clientOptions.credentials = image.credentials;
  const client = new RegistryClient(target.registry, clientOptions);
  const { source, cleanup } = await openImageSource(parseImageReference(layoutReference));
  try {
    const pushed = await pushImage(source, digest as Digest, target, client);
    if (pushed.digest !== digest) {
      throw new PatchlineError('integrity', repository, `the registry stored ${pushed.digest}, not ${digest}`);
    }
    for (const tag of tags)
      await pushImage(
        source,
        digest as Digest,
        { transport: 'docker', registry: target.registry, repository: target.repository, tag },
        client,
      );
  } finally {
    await cleanup();
  }
}

async function recordMissing(
  controller: PipelineController,
  missing: readonly MissingFix[],
  facts: ReadonlyMap<string, FixFacts>,
  fleets: readonly string[],
): Promise<void> {
  await controller.recordExposures(
    missing.flatMap((item) =>
      exposureRecords([facts.get(fixKey(item.fix)) ?? (item.fix as FixFacts)], fleets, {
        state: 'not-installable',
        stages: {},
        note: item.reason,
      }),
    ),
  );
}

/** How many packages differ from the current image; an image with none makes no release. */
function packageChanges(old: Inventory | undefined, next: Inventory): number {
  if (old === undefined) return next.packages.length;
  const diff = diffPackages(old.packages, next.packages);
  return diff.added.length + diff.removed.length + diff.upgraded.length + diff.downgraded.length;
}

/**
 * An image shipped by an earlier run, with the evidence document that run wrote when it is still in its directory
 * and still hashes to the digest it recorded. No diff: the image it was built against may no longer be the fleet's
 * newest release.
 */
async function imageOf(image: ShippedImage, runDir: string): Promise<PromotedImage> {
  const evidence = image.run.status.evidence;
  let evidenceDocument: string | undefined;
  if (evidence !== undefined) {
    const text = await readFile(join(runDir, 'gate-evidence.json'), 'utf8').catch(() => undefined);
    if (text !== undefined && `sha256:${createHash('sha256').update(text).digest('hex')}` === evidence) {
      evidenceDocument = text;
    }
  }
  return {
    reference: image.reference,
    digest: image.digest,
    evidence,
    shipped: image.run.status.shipped ?? [],
    evidenceDocument,
  };
}

async function resolveBase(
  containerfile: string,
  image: OpenImageOptions,
): Promise<{ name: string; digest: string } | undefined> {
  let text: string;
  try {
    text = await readFile(containerfile, 'utf8');
  } catch (error) {
    throw new PatchlineError('not-found', containerfile, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  const name = finalBaseImage(text, containerfile);
  if (name === undefined) return undefined;
  const reference = `docker://${name}`;
  const { source, cleanup } = await openImageSource(parseImageReference(reference), image);
  try {
    return { name, digest: (await source.getManifest()).digest };
  } finally {
    await cleanup();
  }
}

function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function compactTime(ms: number): string {
  return toTimestamp(ms).replace(/[-:]/g, '').replace(/\.\d+/, '').replace('T', '-').replace('Z', '').toLowerCase();
}

function expandTag(template: string, run: PipelineRun, builtAt: number): string {
  return template
    .replaceAll('{{date}}', toTimestamp(builtAt).slice(0, 10).replaceAll('-', ''))
    .replaceAll('{{run}}', run.metadata.name.slice(-(128 - template.length)))
    .replaceAll('{{revision}}', (run.status.sourceDigest ?? '').replace('sha256:', '').slice(0, 12));
}

function tailOf(text: string): string {
  return text.length > 8192 ? text.slice(-8192) : text;
}

/**
 * The run's record as it goes: written to RUN/run.json after every step (so an unreachable controller loses
 * nothing) and sent to the controller, which also renews the run's lease.
 */
class RunJournal {
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly run: PipelineRun,
    private readonly dir: string,
    private readonly controller: PipelineController,
    private readonly clock: () => number,
    private readonly leaseMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Once the controller accepted the run: the lease is renewed while the run works. */
  startRenewing(): void {
    this.renewTimer = setInterval(
      () => {
        void this.save().catch(() => {});
      },
      Math.max(1000, this.leaseMs / 3),
    );
    this.renewTimer.unref();
  }

  stopRenewing(): void {
    if (this.renewTimer !== undefined) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  async begin(step: string): Promise<void> {
    this.log(`${this.run.metadata.pipeline}: ${step}`);
    this.run.status.steps.push({ name: step, status: 'running', startedAt: toTimestamp(this.clock()) });
    await this.save();
  }

  async end(status: StepRecord['status'], message?: string, outputTail?: string): Promise<void> {
    const step = this.run.status.steps.at(-1);
    if (step === undefined) return;
    step.status = status;
    step.finishedAt = toTimestamp(this.clock());
    if (message !== undefined) step.message = message.slice(0, 4000);
    if (outputTail !== undefined && outputTail !== '') step.outputTail = outputTail.slice(-16_384);
    await this.save();
  }

  async finish(outcome: RunOutcome, message: string): Promise<void> {
    const step = this.run.status.steps.at(-1);
    if (step?.status === 'running') await this.end('failed', message);
    this.run.status.outcome = outcome;
    this.run.status.message = message.slice(0, 4000);
    this.run.status.finishedAt = toTimestamp(this.clock());
    delete this.run.status.leaseUntil;
    this.stopRenewing();
    await this.save();
  }

  async save(): Promise<void> {
    if (this.run.status.outcome === 'running') {
      this.run.status.leaseUntil = toTimestamp(this.clock() + this.leaseMs);
    }
    await writeFileAtomic(join(this.dir, 'run.json'), `${JSON.stringify(this.run, null, 2)}\n`);
    await this.controller.updateRun(this.run);
  }
}
