import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { isPatchlineError, PatchlineError, parseYamlDocument, readDocumentFile } from '../core/index.js';
import {
  type Pipeline,
  type PipelineRun,
  pipelineJsonSchema,
  pipelineSchema,
  tryParseDuration,
} from '../fleet/index.js';
import { type PassResult, runPipelinePass } from '../pipeline/index.js';
import { controllerOptions } from './controller-client.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { checkInventory } from './inventory-checks.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { httpPipelineController } from './pipeline-controller.js';
import {
  applyCommand,
  connect,
  controllerCommand,
  deleteCommand,
  listCommand,
  listItems,
  type OutputFlags,
  printOne,
  type ResourceKind,
} from './resource-commands.js';
import { age, type Columns, formatDocument, formatTable } from './resource-output.js';
import { ResultExit } from './result-exit.js';

const pipelineColumns: Columns<Pipeline> = {
  header: ['NAME', 'REPOSITORY', 'LAST RUN', 'OUTCOME', 'AGE', 'LAST SHIPPED'],
  row: (pipeline, now) => {
    const status = (pipeline.status ?? {}) as {
      lastRun?: { name: string; outcome: string; startedAt: string };
      lastShipped?: { image: string };
    };
    return [
      pipeline.metadata.name,
      pipeline.spec.publish.repository,
      status.lastRun?.name ?? '-',
      status.lastRun?.outcome ?? '-',
      age(status.lastRun?.startedAt, now),
      status.lastShipped?.image ?? '-',
    ];
  },
};

export const PIPELINE: ResourceKind<Pipeline> = {
  noun: 'pipeline',
  kind: 'Pipeline',
  plural: 'pipelines',
  schema: pipelineSchema,
  columns: pipelineColumns,
};

export const PIPELINE_EXIT_CODES = `Exit codes (pipeline run):
  0  nothing to do, waiting on a promotion, or a new image shipped with every fix it set out to ship
  1  a fix could not ship: the build or a test failed, or the image still lacks a fix (not installable yet)
  2  error: an invalid Pipeline, an unreachable controller or registry, a refused push (what was pushed is recorded)`;

interface RunFlags extends ImageFlags {
  filename: string;
  db?: string;
  stateDir?: string;
  every?: string;
  server?: string;
  tokenFile?: string;
  printSchema?: boolean;
}

export function pipelineCommand(): Command {
  return new Command('pipeline')
    .description(
      'hands-off patching: rebuild, test, publish, release and promote an image when a fix or a new base appears',
    )
    .addCommand(runCommandOf())
    .addCommand(listCommand(PIPELINE))
    .addCommand(getPipelineCommand())
    .addCommand(applyCommand(PIPELINE))
    .addCommand(deleteCommand(PIPELINE))
    .addCommand(runsCommand())
    .addCommand(logsCommand());
}

function runCommandOf(): Command {
  const command = new Command('run')
    .description(
      'one reconcile pass (for cron, a systemd timer or a CI schedule): promote what shipped, and build, verify, test, publish, release and promote a new image when a trigger holds',
    )
    .option('-f, --filename <file>', 'the Pipeline (YAML, apiVersion patchline.dev/v1, kind Pipeline)')
    .addOption(dbOption())
    .option(
      '--state-dir <dir>',
      'where runs keep their logs, records, gate evidence and images (default: $XDG_STATE_HOME/patchline/pipelines)',
    )
    .option('--every <duration>', 'keep running: one pass, then the next this long after (e.g. 5m)')
    .option('--print-schema', "print the Pipeline's JSON Schema (for editors) and exit");
  for (const option of [...controllerOptions(), ...imageOptions()]) command.addOption(option);
  command.addHelpText('after', `\n${PIPELINE_EXIT_CODES}\n`);
  return command.action(async (flags: RunFlags) => {
    if (flags.printSchema) {
      process.stdout.write(`${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`);
      return;
    }
    if (flags.filename === undefined) throw new PatchlineError('usage', 'pipeline run', 'missing -f FILE');
    const pipeline = await readPipeline(flags.filename);
    const every = flags.every === undefined ? undefined : tryParseDuration(flags.every);
    if (flags.every !== undefined && every === undefined) {
      throw new PatchlineError('usage', `--every ${flags.every}`, 'expected a duration such as 30s, 5m or 1h');
    }
    const client = await connect(flags);
    const options = {
      pipeline,
      baseDir: dirname(resolve(flags.filename)),
      stateDir: flags.stateDir ?? defaultStateDir(),
      controller: httpPipelineController(client),
      db: resolveDbPath(flags.db),
      image: toOpenImageOptions(flags),
      checkInventory: (image: string, inventory: Parameters<typeof checkInventory>[1]) =>
        checkInventory(image, inventory, {}),
      log: (line: string) => process.stderr.write(`patchline: ${line}\n`),
    };
    for (;;) {
      let result: PassResult;
      try {
        result = await runPipelinePass(options);
      } catch (error) {
        // Kept running, a pass that fails (the controller restarting, a registry down) is reported and retried.
        if (every === undefined || !isPatchlineError(error)) throw error;
        process.stdout.write(`error: ${error.message}\n`);
        await new Promise((done) => setTimeout(done, every));
        continue;
      }
      process.stdout.write(passSummary(result));
      if (every === undefined) {
        if (result.exitCode === 2) throw new PatchlineError('input', flags.filename, result.message);
        if (result.exitCode === 1) throw new ResultExit(`${pipeline.metadata.name}: ${result.message}`);
        return;
      }
      await new Promise((done) => setTimeout(done, every));
    }
  });
}

// A Pipeline is a few kilobytes, like a policy.
const MAX_PIPELINE_BYTES = 1024 * 1024;

async function readPipeline(file: string): Promise<Pipeline> {
  const text = (await readDocumentFile(file, MAX_PIPELINE_BYTES, 'Pipeline')).toString('utf8');
  return parseYamlDocument(text, file, pipelineSchema, 'a Pipeline (apiVersion patchline.dev/v1, kind Pipeline)');
}

function defaultStateDir(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'patchline', 'pipelines');
}

function passSummary(result: PassResult): string {
  const lines = result.promoted.map((what) => `promoted: ${what}`);
  const run = result.run === undefined ? '' : ` (run ${result.run.metadata.name})`;
  lines.push(`${result.outcome}${run}: ${result.message}`);
  for (const missing of result.run?.status.missing ?? []) {
    lines.push(`  missing ${missing.fix.advisory} ${missing.fix.package}: ${missing.reason}`);
  }
  const failed = result.run?.status.steps.find((step) => step.status === 'failed');
  if (failed?.outputTail !== undefined) {
    lines.push(`--- ${failed.name}: end of output ---`, failed.outputTail.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function getPipelineCommand(): Command {
  return controllerCommand('get')
    .description('show one pipeline, with the status its runs give it')
    .argument('<name>', 'pipeline name')
    .action(async (name: string, flags: OutputFlags) => {
      const client = await connect(flags);
      const item = await client.get(client.resourcePath('pipelines', name));
      process.stdout.write(printOne(PIPELINE, item, flags.format));
    });
}

async function fetchRuns(flags: OutputFlags, name: string): Promise<PipelineRun[]> {
  const client = await connect(flags);
  const path = `${client.resourcePath('pipelines', name)}/runs`;
  return listItems(await client.get(path, { limit: '100' }), 'PipelineRunList', path) as PipelineRun[];
}

function runsCommand(): Command {
  return controllerCommand('runs')
    .description("list a pipeline's runs, newest first: what triggered each, how far it got, what it shipped")
    .argument('<name>', 'pipeline name')
    .action(async (name: string, flags: OutputFlags) => {
      const runs = await fetchRuns(flags, name);
      if (flags.format !== 'table') {
        process.stdout.write(
          formatDocument({ apiVersion: 'patchline.dev/v1', kind: 'PipelineRunList', items: runs }, flags.format),
        );
        return;
      }
      const now = Date.now();
      const rows = runs.map((run) => [
        run.metadata.name,
        run.status.outcome,
        age(run.status.startedAt, now),
        run.status.triggers.map((trigger) => trigger.type).join(',') || '-',
        String(run.status.shipped?.length ?? 0),
        String(run.status.missing?.length ?? 0),
        run.status.image?.digest.slice(0, 19) ?? '-',
      ]);
      const header = ['NAME', 'OUTCOME', 'AGE', 'TRIGGERS', 'SHIPPED', 'MISSING', 'IMAGE'];
      process.stdout.write(formatTable(header, rows));
    });
}

function logsCommand(): Command {
  return controllerCommand('logs')
    .description("show a run's steps and the end of each one's output (default: the newest run)")
    .argument('<name>', 'pipeline name')
    .argument('[run]', 'run name')
    .action(async (name: string, runName: string | undefined, flags: OutputFlags) => {
      const runs = await fetchRuns(flags, name);
      const run = runName === undefined ? runs[0] : runs.find((candidate) => candidate.metadata.name === runName);
      if (run === undefined) {
        throw new PatchlineError(
          'not-found',
          runName ?? name,
          runName === undefined ? 'has no runs' : 'is not a run of this pipeline',
        );
      }
      if (flags.format !== 'table') {
        process.stdout.write(formatDocument(run, flags.format));
        return;
      }
      const lines = [
        `run ${run.metadata.name}: ${run.status.outcome}${run.status.message ? ` (${run.status.message})` : ''}`,
      ];
      for (const trigger of run.status.triggers) lines.push(`trigger ${trigger.type}: ${trigger.detail}`);
      for (const step of run.status.steps) {
        lines.push(`== ${step.name}: ${step.status}${step.message === undefined ? '' : ` (${step.message})`}`);
        if (step.outputTail !== undefined) lines.push(step.outputTail.trimEnd());
      }
      for (const missing of run.status.missing ?? []) {
        lines.push(`missing ${missing.fix.advisory} ${missing.fix.package}: ${missing.reason}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
