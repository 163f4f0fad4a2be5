// `npm run bench:compliance`: issue 19's benchmark. How much time the compliance rule (OpenSCAP, offline, on the
// image's merged root filesystem) adds to `patchline gate`, on a real Debian 12 image: the built CLI, run the same way
// with and without the rule, on the image (the rule extracts its layers first) and on the same tree already unpacked
// (`dir:`, so the difference is oscap alone).
//
//   npm run bench:compliance [-- --image oci:DIR:TAG --unpacked ROOTFS] [--runs N] [--profile file|cis-files]
//
// Defaults: the podman-built Debian image the tests make (test/helpers/real-images.ts, cached under
// $TMPDIR/patchline-real-images-*; run `npx vitest run test/gate-compliance.test.ts` once to build it). Content: the
// SCAP Security Guide's Ubuntu 22.04 datastream with its benchmark platform line removed (Debian's ssg-debderived has
// no Debian datastream: the same derivation as test/helpers/scap-content.ts), through a tailoring of file rules.
// Prints a Markdown table and writes bench/results/compliance.md and compliance.json.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, fromDist } from './lib/dist.js';
import { load1 } from './lib/machine.js';
import { cleanUpOnExit, tempDir } from './lib/processes.js';
import { writeResults } from './lib/results.js';
import { median } from './lib/stats.js';

const UBUNTU_DS = '/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml';
const RULE = 'xccdf_org.ssgproject.content_rule_';
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
cleanUpOnExit(log);

const args = process.argv.slice(2);
function option(name: string): string | undefined;
function option(name: string, fallback: string): string;
function option(name: string, fallback?: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
}
const RUNS = Number(option('runs', '3'));

// The five file rules of the tests, and a larger set: every file owner/group/permission rule CIS level 1 selects
// that does not ask about Debian packages (the dpkginfo probe fails offline in oscap 1.3.7).
const FILE_RULES = [
  'file_owner_etc_shadow',
  'file_groupowner_etc_gshadow',
  'file_permissions_etc_passwd',
  'file_permissions_etc_shadow',
  'file_permissions_etc_gshadow',
];

function defaultImages(): { image: string; unpacked: string } {
  const caches = readdirSync(tmpdir()).filter((name) => name.startsWith('patchline-real-images-'));
  for (const cache of caches) {
    const podman = join(tmpdir(), cache, 'podman');
    try {
      readdirSync(join(podman, 'oci'));
      return { image: `oci:${join(podman, 'oci')}:v1`, unpacked: join(podman, 'unpacked/rootfs') };
    } catch {}
  }
  throw new Error(
    'no cached Debian test image: run `npx vitest run test/gate-compliance.test.ts` once, or pass --image and --unpacked',
  );
}

async function cisFileRules(datastream: string): Promise<string[]> {
  // The CIS level 1 server profile's selected rules, as `oscap info --profile` does not list them: read the select list.
  const text = await readFile(datastream, 'utf8');
  const start = text.indexOf('<xccdf-1.2:Profile id="xccdf_org.ssgproject.content_profile_cis_level1_server"');
  const profile = text.slice(start, text.indexOf('</xccdf-1.2:Profile>', start));
  return [
    ...profile.matchAll(/<xccdf-1\.2:select idref="xccdf_org\.ssgproject\.content_rule_([^"]+)" selected="true"/g),
  ]
    .map((match) => match[1]!)
    .filter((rule) => /^(file_(owner|groupowner|permissions)_|dir_perms_)/.test(rule))
    .filter((rule) => {
      // A rule with a platform of its own (package cron installed, ...) asks dpkginfo: left out.
      const at = text.indexOf(`<xccdf-1.2:Rule selected="false" id="${RULE}${rule}"`);
      const body = text.slice(at, text.indexOf('</xccdf-1.2:Rule>', at));
      return at !== -1 && !body.includes('<xccdf-1.2:platform');
    });
}

interface GateReport {
  compliance?: { results: unknown[] };
}

function gate(reference: string, policy: string, db: string) {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    [CLI, 'gate', reference, '--policy', policy, '--db', db, '--format', 'json'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`gate ${reference} exited ${result.status}: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as GateReport;
  return { seconds, compliance: report.compliance };
}

async function main() {
  const given = option('image');
  const { image, unpacked } = given ? { image: given, unpacked: option('unpacked') } : defaultImages();
  if (unpacked === undefined) throw new Error('--image needs --unpacked ROOTFS (the same image, unpacked)');
  const work = await tempDir('patchline-bench-compliance-');
  const datastream = join(work, 'ssg-ubuntu2204-for-debian-ds.xml');
  const text = await readFile(UBUNTU_DS, 'utf8');
  await writeFile(
    datastream,
    text.replace(/\n\s*<xccdf-1\.2:platform idref="cpe:\/o:canonical:ubuntu_linux:22\.04[^"]*"\/>/, ''),
  );
  const rules = option('profile', 'file') === 'cis-files' ? await cisFileRules(datastream) : FILE_RULES;
  const profile = 'xccdf_dev.patchline_profile_bench';
  await writeFile(
    join(work, 'tailoring.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_dev.patchline_tailoring_bench">
  <xccdf:version time="2026-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="${profile}">
    <xccdf:title>bench</xccdf:title>
${rules.map((rule) => `    <xccdf:select idref="${RULE}${rule}" selected="true"/>`).join('\n')}
  </xccdf:Profile>
</xccdf:Tailoring>
`,
  );
  const head = 'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: bench}\nspec:\n  fixes: {maxAge: 30d}\n';
  const without = join(work, 'without.yaml');
  const withRule = join(work, 'with.yaml');
  await writeFile(without, head);
  await writeFile(
    withRule,
    `${head}  compliance:\n    datastream: ${datastream}\n    profile: ${profile}\n    tailoring: tailoring.xml\n`,
  );
  // An empty advisory database: the scan costs the same on both sides of the comparison.
  const db = join(work, 'advisories.db');
  const { AdvisoryDatabase } = await fromDist<typeof import('../src/advisories/index.js')>('advisories/index.js');
  AdvisoryDatabase.open(db).close();
  const cases = [
    { name: 'image, without compliance', reference: image, policy: without },
    { name: 'image, with compliance', reference: image, policy: withRule },
    { name: 'dir: (unpacked), without compliance', reference: `dir:${unpacked}`, policy: without },
    { name: 'dir: (unpacked), with compliance', reference: `dir:${unpacked}`, policy: withRule },
  ];
  const rows: Array<(typeof cases)[number] & { seconds: number[]; median: number; load: string; rules: number }> = [];
  for (const entry of cases) {
    const times: number[] = [];
    let compliance: GateReport['compliance'];
    const load = load1().toFixed(2);
    for (let run = 0; run < RUNS; run++) {
      const result = gate(entry.reference, entry.policy, db);
      times.push(result.seconds);
      compliance = result.compliance;
      log(`${entry.name}: ${result.seconds.toFixed(2)} s`);
    }
    rows.push({ ...entry, seconds: times, median: median(times), load, rules: compliance?.results.length ?? 0 });
  }
  const lines = [
    `Compliance in the gate, ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${RUNS} runs each, ${rules.length} rules selected`,
    '',
    '| case | median s | runs (s) | rules evaluated | load (1 min) at start |',
    '| --- | ---: | --- | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.median.toFixed(2)} | ${row.seconds.map((s) => s.toFixed(2)).join(', ')} | ${row.rules} | ${row.load} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await writeResults('compliance', `${lines.join('\n')}\n`, { rows, rules });
}

await main();
