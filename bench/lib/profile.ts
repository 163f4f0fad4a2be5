// Summaries of V8 CPU profiles (node --cpu-prof): where the self time went, by function and by file.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropTemp, spawnRun, tempDir } from './processes.js';
import { resultPath } from './results.js';

const REPO_DIR = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The parts of a .cpuprofile the summary reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileRow[];
  files: ProfileRow[];
}

/** Self time per function of a .cpuprofile, biggest first. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    if (!node) continue;
    const frame = node.callFrame;
    const where = frame.url
      ? `${frame.url.replace(/^file:\/\//, '').replace(`${REPO_DIR}/`, '')}:${frame.lineNumber + 1}`
      : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + delta);
  }
  const byFile = new Map<string, number>();
  for (const [name, micros] of self) {
    const file = name.includes(' ') ? name.slice(name.indexOf(' ') + 1).replace(/:\d+$/, '') : name;
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
  }
  const rows = (map: Map<string, number>): ProfileRow[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
  return { totalMs: total / 1000, functions: rows(self), files: rows(byFile) };
}

/**
 * Runs `node --cpu-prof SCRIPT ARGS…` once, keeps the profile as bench/results/NAME.cpuprofile, and summarizes it
 * with the run's wall seconds.
 */
export async function profileNode(
  name: string,
  script: string,
  scriptArgs: string[],
): Promise<ProfileSummary & { seconds: number }> {
  const profDir = await tempDir('patchline-bench-prof-');
  const result = await spawnRun(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, script, ...scriptArgs]);
  if (result.code !== 0) throw new Error(`profiled ${name} failed: ${result.stderr.slice(-1000)}`);
  const file = (await readdir(profDir)).find((entry) => entry.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${profDir}`);
  const text = await readFile(join(profDir, file), 'utf8');
  await writeFile(await resultPath(`${name}.cpuprofile`), text);
  await dropTemp(profDir);
  return { seconds: result.seconds, ...summarizeProfile(JSON.parse(text) as CpuProfile) };
}
