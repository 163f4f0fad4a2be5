// Summaries of V8 CPU profiles (node --cpu-prof): where the self time went, by function and by file.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

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
