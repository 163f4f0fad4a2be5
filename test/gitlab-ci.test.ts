import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliPath, ensureBuilt, projectRoot } from './helpers/cli.js';
import { hasBinary, startRegistry, type TestRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

/*
 * examples/gitlab-ci.yml run as a GitLab runner runs a job: the hidden `.patchline` job's before_script and the job's
 * script in one bash with errexit, in a project folder, with the template's variables (overridden as a project would)
 * and Patchline on PATH. The demo image is scanned into a container scanning report that GitLab's own schema accepts,
 * and gated into a JUnit report; the image is also read from a real registry that wants the job's credentials.
 */

const TEMPLATE = join(projectRoot, 'examples/gitlab-ci.yml');
const DEMO_LAYOUT = join(projectRoot, 'examples/bootc-demo');
const GITLAB_SCHEMA = join(projectRoot, 'schemas/gitlab/container-scanning-report-format-15.2.1.json');

interface GitlabJob {
  extends?: string;
  image?: string;
  before_script?: string[];
  script?: string[];
  artifacts?: { when?: string; reports?: Record<string, string>; paths?: string[] };
}

let template: Record<string, GitlabJob> & { variables: Record<string, string> };
let work: string;
let bin: string;
let jobs = 0;

beforeAll(async () => {
  ensureBuilt();
  template = parse(await readFile(TEMPLATE, 'utf8'));
  work = await tempDir('patchline-gitlab-ci-');
  bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'patchline'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
  await chmod(join(bin, 'patchline'), 0o755);
}, 300_000);

/** The job's shell script as the runner assembles it: the extended job's before_script, then its script. */
function jobScript(name: string): string {
  const job = template[name];
  if (!job) throw new Error(`no job ${name} in ${TEMPLATE}`);
  const base = job.extends ? template[job.extends] : undefined;
  return [...(base?.before_script ?? []), ...(job.script ?? [])].join('\n');
}

async function runJob(name: string, variables: Record<string, string>) {
  jobs += 1;
  const projectDir = join(work, `project-${jobs}`);
  await mkdir(projectDir);
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: process.env.HOME,
    XDG_CACHE_HOME: join(projectDir, '.cache'),
    CI: 'true',
    GITLAB_CI: 'true',
    CI_PROJECT_DIR: projectDir,
    CI_REGISTRY_USER: '',
    CI_REGISTRY_PASSWORD: '',
    ...template.variables,
    PATCHLINE_IMAGE: `oci:${DEMO_LAYOUT}:latest`,
    PATCHLINE_POLICY: join(projectRoot, 'examples/policy.yaml'),
    PATCHLINE_DB_IMPORT: join(projectRoot, 'examples/demo-advisories'),
    PATCHLINE_REGISTRY_USER: '',
    PATCHLINE_REGISTRY_PASSWORD: '',
    ...variables,
  };
  const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', jobScript(name)], {
    cwd: projectDir,
    env,
    encoding: 'utf8',
  });
  return { ...result, projectDir, describe: `exit ${result.status}\n${result.stdout}\n${result.stderr}` };
}

describe('examples/gitlab-ci.yml', () => {
  let registry: TestRegistry | undefined;
  let validateReport: (document: unknown) => string | undefined;

  beforeAll(async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const check = ajv.compile(JSON.parse(await readFile(GITLAB_SCHEMA, 'utf8')));
    validateReport = (document) => (check(document) ? undefined : ajv.errorsText(check.errors));
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it("declares the scan's report as the project's container scanning report, and the gate's as JUnit", () => {
    const scan = template.patchline_container_scanning;
    expect(scan?.artifacts?.reports).toEqual({ container_scanning: 'gl-container-scanning-report.json' });
    expect(scan?.script?.join('\n')).toContain('-f gitlab -o gl-container-scanning-report.json');
    const gate = template.patchline_gate;
    expect(gate?.artifacts?.reports).toEqual({ junit: 'patchline-gate.xml' });
    expect(gate?.script?.join('\n')).toContain('-f junit -o patchline-gate.xml');
    for (const job of [scan, gate]) expect(job?.artifacts?.when).toBe('always');
  });

  it('scans the demo image into a report GitLab accepts, listing what `patchline scan` finds', async () => {
    const job = await runJob('patchline_container_scanning', {});
    expect(job.status, job.describe).toBe(0);
    const report = JSON.parse(await readFile(join(job.projectDir, 'gl-container-scanning-report.json'), 'utf8'));
    expect(validateReport(report)).toBeUndefined();
    const direct = spawnSync(process.execPath, [cliPath, 'scan', `oci:${DEMO_LAYOUT}:latest`, '-f', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, PATCHLINE_DB: join(job.projectDir, '.patchline/advisories.db') },
    });
    expect(direct.status, direct.stderr).toBe(0);
    const findings = (JSON.parse(direct.stdout) as { findings: Array<{ id: string }> }).findings;
    expect(findings.length).toBeGreaterThan(0);
    expect(
      report.vulnerabilities.map((entry: { identifiers: Array<{ value: string }> }) => entry.identifiers[0]?.value),
    ).toEqual(findings.map((finding) => finding.id));
  }, 300_000);

  it('fails the pipeline on the demo image (exit 1) and still leaves the JUnit report and the evidence', async () => {
    const job = await runJob('patchline_gate', {});
    expect(job.status, job.describe).toBe(1);
    const junit = await readFile(join(job.projectDir, 'patchline-gate.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites[^>]* failures="[1-9]/);
    const evidence = JSON.parse(await readFile(join(job.projectDir, 'patchline-evidence.json'), 'utf8'));
    expect(evidence).toMatchObject({ kind: 'GateEvidence', verdict: 'fail' });
  }, 300_000);

  it("reads the image from a registry with the job's credentials, and fails without them", async () => {
    for (const tool of ['docker-registry', 'skopeo']) {
      if (!hasBinary(tool)) throw new Error(`${tool} is not installed (scripts/test.sh installs it)`);
    }
    registry = await startRegistry({ kind: 'htpasswd', users: { 'gitlab-ci-token': 'job-token' } });
    const image = `${registry.host}/group/project/main:abc123`;
    const copy = spawnSync(
      'skopeo',
      [
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'gitlab-ci-token:job-token',
        `oci:${DEMO_LAYOUT}:latest`,
        `docker://${image}`,
      ],
      { encoding: 'utf8' },
    );
    expect(copy.status, copy.stderr).toBe(0);
    const withToken = await runJob('patchline_container_scanning', {
      PATCHLINE_IMAGE: `docker://${image}`,
      PATCHLINE_REGISTRY_USER: 'gitlab-ci-token',
      PATCHLINE_REGISTRY_PASSWORD: 'job-token',
    });
    expect(withToken.status, withToken.describe).toBe(0);
    const report = JSON.parse(await readFile(join(withToken.projectDir, 'gl-container-scanning-report.json'), 'utf8'));
    expect(validateReport(report)).toBeUndefined();
    expect(report.vulnerabilities[0].location.image).toBe(`docker://${image}`);
    const without = await runJob('patchline_container_scanning', { PATCHLINE_IMAGE: `docker://${image}` });
    expect(without.status, without.describe).toBe(2);
    expect(without.stderr).toMatch(/401|unauthori[sz]ed|credentials/i);
  }, 300_000);
});
