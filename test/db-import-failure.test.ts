import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/*
 * Issue 14, defect 7: a failed `db import` left an empty database file where there was none. A failure must leave
 * what was there: no file, or the previous database byte for byte. Real inputs: the Rocky Linux OSV records of
 * ../shared, a bundle exported from them, and that bundle with one page zeroed.
 */

const VULN = resolve(import.meta.dirname, '../../shared/fixtures/vuln');
const HAVE_SHARED = existsSync(VULN);
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe.skipIf(!HAVE_SHARED)(
  HAVE_SHARED ? 'a failed db import leaves what was there' : 'failed db import (skipped: ../shared is absent)',
  () => {
    let dir: string;
    let junk: string;
    let damaged: string;

    beforeAll(() => {
      ensureBuilt();
      return tempDir('patchline-import-failure-').then((made) => {
        dir = made;
        junk = join(dir, 'junk');
        mkdirSync(junk);
        writeFileSync(join(junk, 'notes.json'), '{"not": "an advisory"}');
        const source = join(dir, 'source.db');
        expect(runCli(['db', 'import', join(VULN, 'osv-rocky'), '--db', source]).status).toBe(0);
        const bundle = join(dir, 'bundle.db');
        expect(runCli(['db', 'export', bundle, '--db', source]).status).toBe(0);
        // The bundle with its second page zeroed, as a bad disk or a cut download leaves one.
        const bytes = readFileSync(bundle);
        const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
        bytes.fill(0, pageSize, 2 * pageSize);
        damaged = join(dir, 'damaged.db');
        writeFileSync(damaged, bytes);
      });
    }, 120_000);

    it.each([
      ['documents Patchline does not recognise', () => junk],
      ['a database file with a zeroed page', () => damaged],
    ])('creates no database when importing %s fails', (_what, input) => {
      const db = join(dir, `none-${readdirSync(dir).length}.db`);
      const result = runCli(['db', 'import', input(), '--db', db]);
      expect(result.status).toBe(2);
      expect(readdirSync(dir).filter((name) => name.startsWith('none-'))).toEqual([]);
    });

    it.each([
      ['documents Patchline does not recognise', () => junk],
      ['a database file with a zeroed page', () => damaged],
    ])('leaves the previous database byte for byte when importing %s fails', (_what, input) => {
      const db = join(dir, `previous-${readdirSync(dir).length}.db`);
      expect(runCli(['db', 'import', join(VULN, 'osv-debian'), '--db', db]).status).toBe(0);
      const before = sha256(db);
      const result = runCli(['db', 'import', input(), '--db', db]);
      expect(result.status).toBe(2);
      expect(sha256(db)).toBe(before);
      const status = runCli(['db', 'status', '--db', db, '--format', 'json']);
      expect(status.status, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout).sources.map((s: { source: string }) => s.source)).toEqual(['osv']);
    });
  },
);
