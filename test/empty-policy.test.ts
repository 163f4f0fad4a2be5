import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { type CurlImage, curlImage, curlImageMissing } from './helpers/curl-image.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 5: `spec: {}` passed an image lacking available fixes. An empty policy is a mistake, and is refused
 * (exit 2) naming the file; the same image fails a policy that sets fixes.maxAge. The image lacks the real
 * ALSA-2023:6679 fix for curl and libcurl.
 */

const SKIP = curlImageMissing();
const HEAD = 'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: t}\n';

describe.skipIf(SKIP !== undefined)(SKIP ? `empty policy (skipped: ${SKIP})` : 'an empty policy is refused', () => {
  let work: string;
  let image: CurlImage;

  beforeAll(async () => {
    ensureBuilt();
    work = await tempDir('patchline-empty-policy-');
    image = await curlImage(work);
  }, 300_000);

  async function gate(name: string, spec: string) {
    const file = join(work, `${name}.yaml`);
    await writeFile(file, `${HEAD}${spec}`);
    return { file, result: runCli(['gate', image.ref, '--db', image.db, '--policy', file]) };
  }

  it.each([
    ['empty', 'spec: {}\n'],
    ['exceptions-only', 'spec:\n  exceptions: []\n'],
  ])('refuses a policy that sets no rule (%s): exit 2, naming the file', async (name, spec) => {
    const { file, result } = await gate(name, spec);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}: spec: sets no rule, so it would pass every image`);
  });

  it('fails the same image under a policy with fixes.maxAge', async () => {
    const { result } = await gate('fixes', 'spec:\n  fixes: {maxAge: 0}\n');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/ALSA-2023:6679/);
  });
});
