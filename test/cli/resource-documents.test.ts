import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResourceDocuments } from '../../src/cli/resource-documents.js';
import { isPatchlineError } from '../../src/core/index.js';
import { fleetSchema, releaseSchema } from '../../src/fleet/index.js';
import { tempDir } from '../helpers/tmp.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

async function file(text: string | Buffer): Promise<string> {
  const path = join(await tempDir(), 'doc.yaml');
  await writeFile(path, text);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isPatchlineError(error), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a PatchlineError');
}

const release = (name: string) =>
  `apiVersion: patchline.dev/v1\nkind: Release\nmetadata:\n  name: ${name}\nspec:\n  fleet: web\n  image: quay.io/example/os@${DIGEST}\n`;

describe('readResourceDocuments', () => {
  it('reads every document of a multi-document YAML file, skipping empty ones', async () => {
    const path = await file(`---\n${release('v1')}---\n---\n${release('v2')}`);
    const releases = await readResourceDocuments(path, 'Release', releaseSchema);
    expect(releases.map((each) => each.metadata.name)).toEqual(['v1', 'v2']);
    expect(releases[1]?.spec.image).toBe(`quay.io/example/os@${DIGEST}`);
  });

  it('reads JSON, and the items of a List', async () => {
    const fleet = {
      apiVersion: 'patchline.dev/v1',
      kind: 'Fleet',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { role: 'web' } }, image: 'quay.io/example/os' },
    };
    const single = await readResourceDocuments(await file(JSON.stringify(fleet)), 'Fleet', fleetSchema);
    expect(single).toEqual([fleet]);
    const list = {
      apiVersion: 'patchline.dev/v1',
      kind: 'FleetList',
      items: [fleet, { ...fleet, metadata: { name: 'db' } }],
    };
    const both = await readResourceDocuments(await file(JSON.stringify(list)), 'Fleet', fleetSchema);
    expect(both.map((each) => each.metadata.name)).toEqual(['web', 'db']);
  });

  it('names the document and the field that is wrong, before anything is applied', async () => {
    const path = await file(`${release('v1')}---\n${release('v2').replace(DIGEST, 'latest')}`);
    const message = await failure(readResourceDocuments(path, 'Release', releaseSchema));
    expect(message).toContain(`${path} (Release 2): spec.image: expected repository@sha256`);
  });

  it('refuses a document of another kind', async () => {
    const message = await failure(readResourceDocuments(await file(release('v1')), 'Fleet', fleetSchema));
    expect(message).toContain('has kind "Release"; this command applies Fleet');
  });

  it('refuses broken YAML, an empty file, a missing file, and an oversized one', async () => {
    expect(await failure(readResourceDocuments(await file('kind: [unclosed'), 'Fleet', fleetSchema))).toContain(
      'is not YAML or JSON',
    );
    expect(await failure(readResourceDocuments(await file('# nothing\n'), 'Fleet', fleetSchema))).toContain(
      'holds no Fleet document',
    );
    expect(await failure(readResourceDocuments('/nonexistent/x.yaml', 'Fleet', fleetSchema))).toContain(
      'cannot be read (ENOENT)',
    );
    const big = await file(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(await failure(readResourceDocuments(big, 'Fleet', fleetSchema))).toContain('larger than');
  });

  it('refuses an unknown key in a spec before sending anything, naming its path', async () => {
    const typo = `apiVersion: patchline.dev/v1\nkind: Fleet\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {role: web}}\n  image: quay.io/example/os\n  rolloutPolicy: {sucessThreshold: 0.5}\n`;
    expect(await failure(readResourceDocuments(await file(typo), 'Fleet', fleetSchema))).toMatch(
      /\(Fleet 1\): spec\.rolloutPolicy\.sucessThreshold: unknown key \(line 7\)$/,
    );
    const fleet = (name: string, extra = '') =>
      `  - apiVersion: patchline.dev/v1\n    kind: Fleet\n    metadata: {name: ${name}}\n    spec:\n      selector: {}\n      image: quay.io/example/os\n${extra}`;
    const list = `kind: FleetList\nitems:\n${fleet('a')}${fleet('b', '      evil: 1\n')}`;
    expect(await failure(readResourceDocuments(await file(list), 'Fleet', fleetSchema))).toMatch(
      /\(Fleet 2\): spec\.evil: unknown key \(line 15\)$/,
    );
  });

  it('stops alias expansion bombs ("billion laughs")', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const message = await failure(readResourceDocuments(await file(`${lines.join('\n')}\n`), 'Fleet', fleetSchema));
    expect(message).toMatch(/alias/i);
  });
});
