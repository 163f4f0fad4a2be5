import type { ImportProblem } from '../advisory.js';

/**
 * The Debian security tracker's advisory lists (`data/DSA/list`, and `data/DLA/list` in the same format): each
 * advisory is a header line `[20 Sep 2014] DSA-3029-1 nginx - security update`, then indented lines: `{CVE-… CVE-…}`
 * (the issues it fixes), `[wheezy] - nginx 1.2.1-2.2+wheezy3` (the version that fixes them in a release) and `NOTE:`
 * lines. The date is the only publication date the tracker's data gives for a fix.
 */
export interface DebianAdvisory {
  /** `DSA-3029-1`, `DLA-3623-1`. */
  id: string;
  /** The release date, midnight UTC (the list gives days). */
  date: string;
  /** The source package the header names (absent on notices such as `DSA-3281-1 Debian Security Team PGP/GPG key…`). */
  package?: string;
  cves: string[];
  fixes: Array<{ release: string; package: string; version: string }>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HEADER = /^\[(\d{2}) ([A-Z][a-z]{2}) (\d{4})\] ((?:DSA|DLA|DTSA)-[\d-]+)(?: (\S+) - .*| .*)?$/;
// The version is what dpkg would accept as a token; `<not-affected>` and other `<tags>` are not fixes.
const FIX = /^\[([a-z]+)\] - (\S+) ([^\s<]\S*)(?: .*)?$/;

function isoDate(day: string, month: string, year: string): string | undefined {
  const index = MONTHS.indexOf(month);
  if (index < 0) return undefined;
  const date = new Date(Date.UTC(Number(year), index, Number(day)));
  // Reject `31 Feb`: Date.UTC rolls it over into March.
  if (date.getUTCDate() !== Number(day)) return undefined;
  return date.toISOString().replace('.000Z', 'Z');
}

/** Reads a DSA or DLA list; each line it cannot read is a problem naming the line, and the rest is still read. */
export function parseDebianAdvisoryList(
  text: string,
  input: string,
): { advisories: DebianAdvisory[]; problems: ImportProblem[] } {
  const advisories: DebianAdvisory[] = [];
  const problems: ImportProblem[] = [];
  let current: DebianAdvisory | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const at = `line ${index + 1}`;
    if (!/^\s/.test(line)) {
      const header = HEADER.exec(line);
      const date = header && isoDate(header[1] ?? '', header[2] ?? '', header[3] ?? '');
      if (!header || !date) {
        problems.push({ input, at, problem: `not an advisory header: ${line}` });
        current = undefined;
        continue;
      }
      current = { id: header[4] ?? '', date, cves: [], fixes: [] };
      if (header[5] !== undefined) current.package = header[5];
      advisories.push(current);
      continue;
    }
    const body = line.trim();
    if (current === undefined) {
      problems.push({ input, at, problem: `a detail line outside any advisory: ${body}` });
      continue;
    }
    if (body.startsWith('{')) {
      const ids = /^\{([^}]*)\}$/.exec(body)?.[1];
      if (ids === undefined) problems.push({ input, at, problem: `unclosed issue list: ${body}` });
      else current.cves.push(...ids.split(/\s+/).filter((id) => id !== ''));
    } else if (body.startsWith('[')) {
      const fix = FIX.exec(body);
      if (fix) current.fixes.push({ release: fix[1] ?? '', package: fix[2] ?? '', version: fix[3] ?? '' });
      else if (!/^\[[a-z]+\] - \S+ <[^>]+>/.test(body))
        problems.push({ input, at, problem: `not a fix line: ${body}` });
    } else if (!body.startsWith('NOTE:')) {
      problems.push({ input, at, problem: `unknown detail line: ${body}` });
    }
  }
  return { advisories, problems };
}
