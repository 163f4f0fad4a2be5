import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffCommand } from '../src/cli/diff.js';
import { gateCommand } from '../src/cli/gate.js';
import { inspectCommand } from '../src/cli/inspect.js';
import { sbomCommand } from '../src/cli/sbom.js';
import { scanCommand } from '../src/cli/scan.js';
import { OUTPUT_FORMATS, REPORT_COMMANDS, type ReportCommand } from '../src/report/index.js';
import { ensureBuilt, runCli } from './helpers/cli.js';

// Every format the registry declares for a command, run through that command on the demo (examples/bootc-demo,
// examples/demo-advisories, examples/policy.yaml) as a user would: accepted by --format, and writing a report.
const DEMO = 'oci:examples/bootc-demo:latest';

const COMMANDS = {
  scan: scanCommand,
  sbom: sbomCommand,
  diff: diffCommand,
  gate: gateCommand,
  inspect: inspectCommand,
};

let dir: string;
let db: string;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'patchline-formats-'));
  db = join(dir, 'advisories.db');
  const imported = runCli(['db', 'import', 'examples/demo-advisories', '--db', db]);
  expect(imported.stderr).toBe('');
  expect(imported.status).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function argv(command: ReportCommand, format: string): string[] {
  switch (command) {
    case 'scan':
      return ['scan', DEMO, '--db', db, '--format', format];
    case 'sbom':
      return ['sbom', DEMO, '--format', format];
    case 'diff':
      return ['diff', DEMO, DEMO, '--db', db, '--format', format];
    case 'gate':
      return ['gate', DEMO, '--policy', 'examples/policy.yaml', '--db', db, '--format', format];
    case 'inspect':
      return ['inspect', DEMO, '--format', format];
  }
}

describe('the output format registry', () => {
  it('names each format once, each with a writer for at least one command', () => {
    const names = OUTPUT_FORMATS.map((format) => format.name);
    expect(new Set(names).size).toBe(names.length);
    for (const format of OUTPUT_FORMATS) expect(Object.keys(format.writers).length).toBeGreaterThan(0);
  });

  for (const command of REPORT_COMMANDS) {
    const declared = OUTPUT_FORMATS.filter((format) => format.writers[command] !== undefined).map((f) => f.name);

    it(`offers exactly the formats with a ${command} writer as ${command} --format choices`, () => {
      const option = COMMANDS[command]().options.find((each) => each.long === '--format');
      expect(option?.argChoices).toEqual(declared);
      expect(option?.defaultValue).toBeOneOf(declared);
    });

    for (const format of declared) {
      it(`${command} --format ${format} writes a report of the demo`, () => {
        const result = runCli(argv(command, format));
        // The gate fails the demo (exit 1: its policy wants the fixes the demo advisories list); it still reports.
        expect(result.status, result.stderr).toBe(command === 'gate' ? 1 : 0);
        expect(result.stdout.trim()).not.toBe('');
        if (format.endsWith('json') || ['sarif', 'openvex', 'gitlab'].includes(format)) {
          expect(() => JSON.parse(result.stdout)).not.toThrow();
        }
      });
    }

    it(`${command} refuses a format it does not declare, naming its formats`, () => {
      const result = runCli(argv(command, 'no-such-format'));
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(declared.join(', '));
    });
  }
});
