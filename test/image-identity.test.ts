import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { ALSA, type CurlImage, curlImage, curlImageMissing } from './helpers/curl-image.js';
import { run } from './helpers/real-images.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 1: the manifest an oci: or oci-archive: reference resolves to must match the digest and size
 * index.json gives for it. The attack is the one the review made: a real image lacking a fix, whose manifest blob is
 * rewritten under the same name to add a layer holding an empty rpm database (made by the real rpm --initdb).
 */

const SKIP = curlImageMissing();
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const blob = (dir: string, digest: string) => join(dir, 'blobs/sha256', digest.slice('sha256:'.length));

interface IndexJson {
  manifests: Array<{ digest: string; size: number; mediaType: string; annotations?: Record<string, string> }>;
}

describe.skipIf(SKIP !== undefined)(
  SKIP ? `image identity (skipped: ${SKIP})` : 'every manifest is checked against its digest and size',
  () => {
    let work: string;
    let image: CurlImage;
    let policy: string;
    /** The layout with its manifest rewritten under the old digest. */
    let tampered: string;
    /** The same rewritten manifest, honestly relabelled in index.json: what the attack would read as. */
    let relabelled: string;

    const scan = (ref: string, ...args: string[]) => runCli(['scan', ref, '--db', image.db, '-f', 'json', ...args]);

    beforeAll(async () => {
      ensureBuilt();
      work = await tempDir('patchline-identity-');
      image = await curlImage(work);
      policy = join(work, 'policy.yaml');
      await writeFile(
        policy,
        'apiVersion: patchline.dev/v1\nkind: Policy\nmetadata: {name: t}\nspec:\n  fixes: {maxAge: 0}\n',
      );

      tampered = join(work, 'tampered');
      await cp(image.dir, tampered, { recursive: true });
      const index = JSON.parse(await readFile(join(tampered, 'index.json'), 'utf8')) as IndexJson;
      const entry = index.manifests[0]!;
      const manifest = JSON.parse(await readFile(blob(tampered, entry.digest), 'utf8'));
      // A layer with a real, empty rpm database where the image's own is.
      const empty = join(work, 'empty-rpmdb');
      await mkdir(empty);
      await run('rpm', ['--root', empty, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', '--initdb']);
      const layerTar = join(work, 'empty-rpmdb.tar');
      await run('tar', ['--numeric-owner', '-C', empty, '-cf', layerTar, '.']);
      const layer = await readFile(layerTar);
      await writeFile(blob(tampered, sha256(layer)), layer);
      const config = JSON.parse(await readFile(blob(tampered, manifest.config.digest), 'utf8'));
      config.rootfs.diff_ids.push(sha256(layer));
      const configBytes = Buffer.from(JSON.stringify(config));
      await writeFile(blob(tampered, sha256(configBytes)), configBytes);
      manifest.config = { ...manifest.config, digest: sha256(configBytes), size: configBytes.length };
      manifest.layers.push({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(layer),
        size: layer.length,
      });
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      await writeFile(blob(tampered, entry.digest), manifestBytes);

      relabelled = join(work, 'relabelled');
      await cp(tampered, relabelled, { recursive: true });
      await writeFile(blob(relabelled, sha256(manifestBytes)), manifestBytes);
      const honest = { ...index, manifests: [{ ...entry, digest: sha256(manifestBytes), size: manifestBytes.length }] };
      await writeFile(join(relabelled, 'index.json'), JSON.stringify(honest));
    }, 300_000);

    it('finds the missing fix in the untouched image, and nothing once the empty database layer is read', () => {
      const before = scan(image.ref);
      expect(before.status, before.stderr).toBe(0);
      expect(JSON.parse(before.stdout).findings.map((f: { id: string }) => f.id)).toContain(ALSA);
      // The payload works when it is labelled honestly: this is what a lying manifest would turn the scan into.
      const after = scan(`oci:${relabelled}:curl-old`, '--allow-partial');
      expect(after.status, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout).findings).toEqual([]);
    });

    it('refuses a manifest rewritten under the digest index.json names: scan and gate exit 2', () => {
      const ref = `oci:${tampered}:curl-old`;
      const scanned = scan(ref);
      expect(scanned.status).toBe(2);
      expect(scanned.stdout).toBe('');
      expect(scanned.stderr).toMatch(/manifest sha256:[0-9a-f]{64}.*(content digest is|size is)/);
      const gated = runCli(['gate', ref, '--db', image.db, '--policy', policy, '--evidence', join(work, 'e.json')]);
      expect(gated.status).toBe(2);
      expect(gated.stderr).toMatch(/manifest sha256:/);
    });

    it('refuses the same lie inside an oci-archive', async () => {
      const archive = join(work, 'tampered.tar');
      await run('tar', ['-C', tampered, '-cf', archive, '.']);
      const scanned = scan(`oci-archive:${archive}:curl-old`);
      expect(scanned.status).toBe(2);
      expect(scanned.stderr).toMatch(/manifest sha256:[0-9a-f]{64}.*(content digest is|size is)/);
    });

    it('refuses an index.json entry whose size lies, even when the digest is right', async () => {
      const lying = join(work, 'size-lie');
      await cp(image.dir, lying, { recursive: true });
      const index = JSON.parse(await readFile(join(lying, 'index.json'), 'utf8')) as IndexJson;
      index.manifests[0]!.size += 1;
      await writeFile(join(lying, 'index.json'), JSON.stringify(index));
      const scanned = scan(`oci:${lying}:curl-old`);
      expect(scanned.status).toBe(2);
      expect(scanned.stderr).toMatch(/size is \d+ bytes, expected \d+/);
    });

    it('says in the evidence that a docker-archive has no digest of its own', async () => {
      const archive = join(work, 'curl-old.docker.tar');
      await run('skopeo', ['copy', '--quiet', image.ref, `docker-archive:${archive}:curl-old:1`]);
      const evidence = join(work, 'docker-archive-evidence.json');
      const gated = runCli([
        'gate',
        `docker-archive:${archive}`,
        '--db',
        image.db,
        '--policy',
        policy,
        '--evidence',
        evidence,
      ]);
      expect(gated.status, gated.stderr).toBe(1);
      const record = JSON.parse(await readFile(evidence, 'utf8'));
      expect(record.image.unverifiedIdentity).toMatch(/docker-archive carries no manifest digest/);
      // An OCI layout's digest is checked, so its evidence carries no such note.
      const ociEvidence = join(work, 'oci-evidence.json');
      expect(runCli(['gate', image.ref, '--db', image.db, '--policy', policy, '--evidence', ociEvidence]).status).toBe(
        1,
      );
      expect(JSON.parse(await readFile(ociEvidence, 'utf8')).image.unverifiedIdentity).toBeUndefined();
    });
  },
);
