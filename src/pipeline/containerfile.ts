import { PatchlineError } from '../core/index.js';

/**
 * The image a Containerfile's final stage is built on: the `FROM` the `baseImage` trigger watches. A final stage
 * built FROM an earlier stage leads back to that stage's base; `ARG` defaults given before the first FROM are
 * substituted, as podman does. `FROM scratch` has no base to watch.
 */
export function finalBaseImage(text: string, file: string): string | undefined {
  const args = new Map<string, string>();
  const stages = new Map<string, string | undefined>();
  let last: string | undefined;
  let seenFrom = false;
  for (const line of logicalLines(text)) {
    const [instruction, ...words] = line.split(/\s+/);
    const keyword = instruction?.toUpperCase();
    if (keyword === 'ARG' && !seenFrom) {
      for (const word of words) {
        const [name, value] = word.split('=', 2);
        if (name !== undefined && value !== undefined) args.set(name, unquote(value));
      }
    } else if (keyword === 'FROM') {
      seenFrom = true;
      const operands = words.filter((word) => !word.startsWith('--'));
      const image = operands[0];
      if (image === undefined) throw new PatchlineError('input', file, `"${line}" names no image`);
      const resolved = substitute(image, args, file);
      const base = stages.has(resolved.toLowerCase())
        ? stages.get(resolved.toLowerCase())
        : resolved === 'scratch'
          ? undefined
          : resolved;
      if (operands[1]?.toUpperCase() === 'AS' && operands[2] !== undefined) {
        stages.set(operands[2].toLowerCase(), base);
      }
      last = base;
    }
  }
  if (!seenFrom) throw new PatchlineError('input', file, 'has no FROM instruction');
  return last;
}

function* logicalLines(text: string): Generator<string> {
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    yield (pending + line).trim();
    pending = '';
  }
  if (pending.trim() !== '') yield pending.trim();
}

function substitute(word: string, args: ReadonlyMap<string, string>, file: string): string {
  return word.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_match, name: string) => {
    const value = args.get(name);
    if (value === undefined) {
      throw new PatchlineError('input', file, `FROM uses $${name}, which no ARG before the first FROM sets`);
    }
    return value;
  });
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
}
