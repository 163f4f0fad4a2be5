import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, projectRoot } from './helpers/cli.js';

beforeAll(() => {
  ensureBuilt();
});

// Runs ARGV with stdout on a real pipe whose read end is closed before the program starts, so its first write to
// stdout fails with EPIPE however fast or slow it is (as `… | head` does to a writer that outlives head).
const CLOSED_PIPE = `
import json, os, subprocess, sys
read_end, write_end = os.pipe()
os.close(read_end)
done = subprocess.run(sys.argv[1:], stdout=write_end, stderr=subprocess.PIPE)
print(json.dumps({"status": done.returncode, "stderr": done.stderr.decode()}))
`;

function runWithClosedStdout(args: string[]): { status: number; stderr: string } {
  const result = spawnSync('python3', ['-c', CLOSED_PIPE, process.execPath, cliPath, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

describe('a closed stdout', () => {
  it('ends --help quietly, with the status of a process killed by SIGPIPE', () => {
    for (const args of [['scan', '--help'], ['--help'], ['--version']]) {
      expect(runWithClosedStdout(args)).toEqual({ status: 141, stderr: '' });
    }
  });

  it('ends a command writing its output quietly', () => {
    expect(runWithClosedStdout(['inspect', 'oci:examples/bootc-demo:latest', '--list', '**'])).toEqual({
      status: 141,
      stderr: '',
    });
  });

  it('leaves a command whose stdout stays open as it was', () => {
    const whole = spawnSync('sh', ['-c', `"${process.execPath}" "${cliPath}" scan --help | cat`], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    expect(whole.status).toBe(0);
    expect(whole.stdout).toContain('Exit codes:');
  });
});
