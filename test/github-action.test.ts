import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliPath, ensureBuilt, projectRoot, runCli } from './helpers/cli.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/*
 * The GitHub Action (action.yml) and the script it runs (scripts/github-action.sh), run as a runner runs it: the
 * variables a runner sets (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_ACTION_PATH), the
 * inputs as the action's step passes them, and Patchline on PATH (`install: none`; `npm` needs the published package).
 * It gates the demo image (examples/bootc-demo, examples/policy.yaml, examples/demo-advisories) as the README's first
 * command does, with the advisory database from files and from a real registry (`db-artifact`).
 */

const SCRIPT = join(projectRoot, 'scripts/github-action.sh');
const DEMO_IMAGE = 'oci:examples/bootc-demo:latest';

interface ActionStep {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'continue-on-error'?: boolean;
}

interface ActionDocument {
  inputs: Record<string, { required?: boolean; default?: string; description: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

let work: string;
let bin: string;

beforeAll(async () => {
  ensureBuilt();
  work = await tempDir('patchline-github-action-');
  // `patchline` on PATH, as `npm install -g` leaves it.
  bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'patchline'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
  await chmod(join(bin, 'patchline'), 0o755);
}, 300_000);

let runs = 0;

/** Runs the script as the action's gate step does, in a fresh RUNNER_TEMP, and reads back what it left. */
async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  runs += 1;
  const runner = join(work, `run-${runs}`);
  const runnerTemp = join(runner, 'temp');
  await mkdir(runnerTemp, { recursive: true });
  const outputFile = join(runner, 'output');
  const summaryFile = join(runner, 'summary.md');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: process.env.HOME,
    XDG_CACHE_HOME: join(runner, 'cache'),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: projectRoot,
    GITHUB_ACTION_PATH: projectRoot,
    RUNNER_TEMP: runnerTemp,
    INPUT_INSTALL: 'none',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  const result = spawnSync('bash', [SCRIPT], { cwd: projectRoot, env, encoding: 'utf8' });
  const outputs: Record<string, string> = {};
  for (const line of (await readFile(outputFile, 'utf8')).split('\n').filter((entry) => entry !== '')) {
    const at = line.indexOf('=');
    outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs,
    summary: await readFile(summaryFile, 'utf8'),
    runnerTemp,
  };
}

/** A GitHub Actions expression as action.yml writes it. */
function expression(inner: string): string {
  return `\${{ ${inner} }}`;
}

function describeRun(run: ActionRun): string {
  return `exit ${run.status}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

async function passingPolicy(): Promise<string> {
  const file = join(work, 'lenient-policy.yaml');
  await writeFile(
    file,
    'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: lenient}\nspec:\n  fixes: {maxAge: 3650d}\n',
  );
  return file;
}

describe('action.yml', () => {
  let action: ActionDocument;
  let script: string;

  beforeAll(async () => {
    action = parse(await readFile(join(projectRoot, 'action.yml'), 'utf8')) as ActionDocument;
    script = await readFile(SCRIPT, 'utf8');
  });

  it("passes the script exactly the inputs it reads, each from the action's input of the same name", () => {
    expect(action.runs.using).toBe('composite');
    const gate = action.runs.steps.find((step) => step.id === 'gate');
    expect(gate?.run).toContain('scripts/github-action.sh');
    const passed = Object.entries(gate?.env ?? {});
    for (const [variable, value] of passed) {
      const input = variable
        .replace(/^INPUT_/, '')
        .toLowerCase()
        .replace(/_/g, '-');
      expect(value, variable).toBe(expression(`inputs.${input}`));
      expect(Object.keys(action.inputs), variable).toContain(input);
    }
    const read = new Set([...script.matchAll(/\$\{(INPUT_[A-Z_]+)/g)].map((match) => match[1]));
    expect(new Set(passed.map(([variable]) => variable))).toEqual(read);
    // Every declared input is used: by the script, or by a later step (the code scanning category).
    const otherSteps = JSON.stringify(action.runs.steps.filter((step) => step !== gate));
    for (const input of Object.keys(action.inputs)) {
      const used =
        passed.some(([, value]) => value === expression(`inputs.${input}`)) || otherSteps.includes(`inputs.${input} `);
      expect(used, `input ${input}`).toBe(true);
    }
    // Required inputs are the ones the script refuses to run without.
    for (const [name, input] of Object.entries(action.inputs)) {
      if (input.required) expect(script).toContain(`input ${name} is required`);
    }
  });

  it('runs a script that passes shellcheck', () => {
    if (!hasBinary('shellcheck')) throw new Error('shellcheck is not installed (scripts/test.sh installs it)');
    const checked = spawnSync('shellcheck', ['--severity', 'style', SCRIPT], { encoding: 'utf8' });
    expect(checked.status, checked.stdout).toBe(0);
  });

  it('uploads the SARIF after the gate whatever its verdict, then exits by the gate', () => {
    const [gate, upload, verdict] = action.runs.steps;
    expect(gate?.['continue-on-error']).toBe(true);
    expect(upload?.uses).toMatch(/^github\/codeql-action\/upload-sarif@v\d+$/);
    expect(upload?.if).toContain("inputs.upload-sarif == 'true'");
    expect(upload?.if).toContain("steps.gate.outputs.sarif-file != ''");
    expect(upload?.with).toEqual({
      sarif_file: expression('steps.gate.outputs.sarif-file'),
      category: expression('inputs.sarif-category'),
    });
    expect(verdict?.run).toContain(`exit "\${PATCHLINE_EXIT_CODE:-2}"`);
    expect(verdict?.env?.PATCHLINE_EXIT_CODE).toBe(expression('steps.gate.outputs.exit-code'));
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value).toBe(expression(`steps.gate.outputs.${name}`));
      expect(script, `output ${name}`).toMatch(new RegExp(`write_output ${name} `));
    }
  });
});

describe('examples/github-workflow.yml', () => {
  interface WorkflowStep {
    uses?: string;
    run?: string;
    with?: Record<string, string>;
  }
  interface Workflow {
    on: Record<string, unknown>;
    jobs: Record<string, { if?: string; permissions?: Record<string, string>; steps: WorkflowStep[] }>;
  }

  it('gates the built image on push and pull request with the inputs the action declares', async () => {
    const workflow = parse(await readFile(join(projectRoot, 'examples/github-workflow.yml'), 'utf8')) as Workflow;
    const action = parse(await readFile(join(projectRoot, 'action.yml'), 'utf8')) as ActionDocument;
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request', 'schedule']));
    const gate = workflow.jobs.gate!;
    expect(gate.if).toContain("github.event_name == 'pull_request'");
    expect(gate.permissions?.['security-events']).toBe('write');
    const build = gate.steps.findIndex((step) => step.run?.includes('podman save --format oci-archive'));
    const uses = gate.steps.findIndex((step) => step.uses?.endsWith('/patchline@v0.1.0'));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(uses).toBeGreaterThan(build);
    const given = Object.keys(gate.steps[uses]?.with ?? {});
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(given));
    const required = Object.entries(action.inputs).filter(([, input]) => input.required);
    expect(given).toEqual(expect.arrayContaining(required.map(([name]) => name)));
    expect(gate.steps[uses]?.with?.image).toBe(`oci-archive:${expression('runner.temp')}/os.tar`);
  });

  it('runs one pipeline pass on the nightly schedule, with a command and flags patchline has', async () => {
    const workflow = parse(await readFile(join(projectRoot, 'examples/github-workflow.yml'), 'utf8')) as Workflow;
    const patch = workflow.jobs.patch!;
    expect(patch.if).toContain("github.event_name == 'schedule'");
    const commands = patch.steps
      .flatMap((step) => (step.run ?? '').split('\n'))
      .filter((line) => line.startsWith('patchline '));
    expect(commands).toEqual(['patchline db update', 'patchline pipeline run -f pipeline.yaml']);
    const help = runCli(['pipeline', 'run', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('-f, --filename <file>');
  });
});

describe('scripts/github-action.sh on the demo image', () => {
  let registry: TestRegistry | undefined;

  afterAll(async () => {
    await registry?.stop();
  });

  it('fails the demo image (exit 1): verdict in the summary, outputs written, SARIF and evidence on disk', async () => {
    const run = await runAction({
      image: DEMO_IMAGE,
      policy: 'examples/policy.yaml',
      'db-import': 'examples/demo-advisories',
    });
    expect(run.status, describeRun(run)).toBe(1);
    expect(run.outputs).toEqual({
      verdict: 'fail',
      'exit-code': '1',
      'sarif-file': join(run.runnerTemp, 'patchline/gate.sarif'),
      'markdown-file': join(run.runnerTemp, 'patchline/gate.md'),
      'evidence-file': join(run.runnerTemp, 'patchline/evidence.json'),
    });
    // The same verdict as the CLI gives on its own, in the summary as the gate's markdown.
    const db = join(work, 'cli-demo.db');
    expect(runCli(['db', 'import', 'examples/demo-advisories', '--db', db]).status).toBe(0);
    const direct = runCli(['gate', DEMO_IMAGE, '--policy', 'examples/policy.yaml', '--db', db, '-f', 'json']);
    expect(direct.status).toBe(1);
    const failed = (JSON.parse(direct.stdout) as { rules: Array<{ rule: string; outcome: string }> }).rules
      .filter((rule) => rule.outcome === 'fail')
      .map((rule) => rule.rule);
    expect(failed.length).toBeGreaterThan(0);
    expect(run.summary.split('\n')[0]).toBe('## ❌ Patchline gate: failed');
    for (const rule of failed)
      expect(run.summary).toMatch(new RegExp(`\\| ${rule.replace('.', '\\.')} \\| ❌ fail \\|`));
    expect(run.summary).toBe(await readFile(run.outputs['markdown-file']!, 'utf8'));
    const sarif = JSON.parse(await readFile(run.outputs['sarif-file']!, 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].properties.verdict).toBe('fail');
    expect(new Set(sarif.runs[0].results.map((result: { ruleId: string }) => result.ruleId))).toEqual(new Set(failed));
    const evidence = JSON.parse(await readFile(run.outputs['evidence-file']!, 'utf8'));
    expect(evidence).toMatchObject({ kind: 'GateEvidence', verdict: 'fail' });
  }, 300_000);

  it('passes under a lenient policy (exit 0), with the database pulled from a registry (db-artifact)', async () => {
    if (!hasBinary('docker-registry'))
      throw new Error('docker-registry is not installed (scripts/test.sh installs it)');
    registry = await startRegistry();
    const db = join(work, 'pushed.db');
    expect(runCli(['db', 'import', 'examples/demo-advisories', '--db', db]).status).toBe(0);
    const artifact = `${registry.host}/patchline/advisories:demo`;
    const pushed = runCli(['db', 'push', artifact, '--db', db]);
    expect(pushed.status, pushed.stderr).toBe(0);
    const run = await runAction({ image: DEMO_IMAGE, policy: await passingPolicy(), 'db-artifact': artifact });
    expect(run.status, describeRun(run)).toBe(0);
    expect(run.stdout).toContain(`${artifact}@sha256:`);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['exit-code']).toBe('0');
    expect(run.summary.split('\n')[0]).toBe('## ✅ Patchline gate: passed');
    const sarif = JSON.parse(await readFile(run.outputs['sarif-file']!, 'utf8'));
    expect(sarif.runs[0].properties.verdict).toBe('pass');
  }, 300_000);

  it('exits 2 when the image cannot be judged: an error in the summary, no SARIF to upload', async () => {
    const run = await runAction({
      image: 'oci:examples/no-such-image:latest',
      policy: 'examples/policy.yaml',
      'db-import': 'examples/demo-advisories',
    });
    expect(run.status, describeRun(run)).toBe(2);
    expect(run.outputs).toEqual({ verdict: 'error', 'exit-code': '2' });
    expect(run.summary).toContain('Patchline gate: error');
    expect(run.stderr).toContain('no-such-image');
  }, 300_000);

  it('exits 2 without gating when the database cannot be had, or an input is wrong, naming it', async () => {
    const noDb = await runAction({
      image: DEMO_IMAGE,
      policy: 'examples/policy.yaml',
      'db-import': 'examples/no-such-advisories',
    });
    expect(noDb.status, describeRun(noDb)).toBe(2);
    expect(noDb.outputs).toEqual({ verdict: 'error', 'exit-code': '2' });
    expect(noDb.stdout).toContain('the advisory database could not be obtained');
    expect(noDb.stdout).not.toContain('::group::Gate');

    const typo = await runAction({ image: DEMO_IMAGE, policy: 'examples/policy.yaml', 'upload-sarif': 'yes' });
    expect(typo.status).toBe(2);
    expect(typo.stdout).toContain("input upload-sarif must be true or false, not 'yes'");
    expect(typo.outputs).toEqual({ verdict: 'error', 'exit-code': '2' });

    const noImage = await runAction({ policy: 'examples/policy.yaml' });
    expect(noImage.status).toBe(2);
    expect(noImage.stdout).toContain('input image is required');

    const install = await runAction({ image: DEMO_IMAGE, policy: 'examples/policy.yaml', install: 'brew' });
    expect(install.status).toBe(2);
    expect(install.stdout).toContain("input install must be npm, source or none, not 'brew'");
  }, 300_000);
});
