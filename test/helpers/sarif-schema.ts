import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The SARIF 2.1.0 JSON schema (OASIS's final 2.1.0, as published under its rtm.5 name), from Microsoft's SARIF jest
// matchers in the npm registry: `npm pack`ed once per machine and read, never installed.
const PACKAGE = '@microsoft/jest-sarif@1.0.0-beta.0';
const HOME = join(tmpdir(), 'patchline-jest-sarif-1.0.0-beta.0');
const SCHEMA = join(HOME, 'package/lib/schemas/sarif-2.1.0-rtm.5.json');

/**
 * The schema, ready for Ajv's default (draft-07) dialect: it is written in draft-04, whose only difference that matters
 * here is the root `id` keyword (draft-06 renamed it `$id`); it uses no `exclusiveMinimum`/`exclusiveMaximum`.
 */
export async function sarifSchema(): Promise<Record<string, unknown>> {
  if (!existsSync(SCHEMA)) await fetchPackage();
  const { $schema: _draft04, id, ...schema } = JSON.parse(await readFile(SCHEMA, 'utf8')) as Record<string, unknown>;
  return { $id: id, ...schema };
}

async function fetchPackage(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'patchline-jest-sarif-fetch-'));
  try {
    const pack = spawnSync('npm', ['pack', PACKAGE, '--pack-destination', scratch, '--silent'], { encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack ${PACKAGE} failed: ${pack.stderr}`);
    const tarball = join(scratch, pack.stdout.trim().split('\n').pop()!);
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', scratch, 'package/lib/schemas'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr}`);
    await rm(tarball);
    await rename(scratch, HOME).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(SCHEMA)) throw error; // another run won the race; its copy is as good
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
