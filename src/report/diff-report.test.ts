import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Inventory, Package } from '../inventory/index.js';
import { diffImages, type ImageDiff } from '../policy/index.js';
import type { ScanResult } from '../scan/index.js';
import { diffJson, imageDiffJsonSchemaDocument } from './diff-json.js';
import { diffMarkdown } from './diff-markdown.js';
import { diffTable } from './diff-table.js';
import { GITHUB_COMMENT_LIMIT } from './gate-markdown.js';

const SCHEMA_FILE = join(import.meta.dirname, '../../schemas/image-diff-v1.json');

function inventory(packages: Package[]): Inventory {
  return {
    target: { name: 'oci:/x:1', labels: {}, layers: [] },
    bootc: { bootc: true, evidence: [] },
    kernels: [],
    packages,
    databases: ['var/lib/rpm/rpmdb.sqlite'],
    problems: [],
    stats: {} as Inventory['stats'],
  };
}

function rpm(name: string, version: string): Package {
  return { type: 'rpm', name, version, release: '1.el9', arch: 'x86_64', purl: '', source: '' };
}

function scan(findings: ScanResult['findings']): ScanResult {
  return {
    target: { name: 'x', labels: {}, layers: [] },
    ecosystems: [],
    findings,
    suppressed: [],
    database: { path: 'db', snapshotId: 's' },
    packages: 0,
    scannedAt: '2026-11-22T00:00:00Z',
  };
}

// A package database is input from whoever built the image: its names can carry terminal escapes and markup.
const HOSTILE = 'evil\u001b]0;owned\u0007|<img src=x onerror=alert(1)>@team';

function hostileDiff(): ImageDiff {
  const old = rpm(HOSTILE, '1.0');
  const finding: ScanResult['findings'][number] = {
    id: 'ALSA-9:1',
    aliases: [],
    cves: [],
    package: {
      type: 'rpm',
      name: HOSTILE,
      version: '1.0',
      release: '1.el9',
      arch: 'x86_64',
      purl: '',
      installed: '1.0-1.el9',
    },
    scheme: 'rpm',
    status: 'fix-available',
    fixedVersion: '1.1-1.el9',
    summary: '</details><script>x</script>',
    source: { format: 'osv', ecosystem: 'AlmaLinux:9' },
  };
  return diffImages(
    { inventory: inventory([old]), scan: scan([finding]) },
    { inventory: inventory([rpm(HOSTILE, '1.1')]), scan: scan([]) },
  );
}

describe('diff reports', () => {
  it('the table shows control characters instead of sending them to the terminal', () => {
    const text = diffTable(hostileDiff());
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('evil\\x1b]0;owned\\x07');
  });

  it('markdown keeps hostile names inside their table cell and out of HTML', () => {
    const text = diffMarkdown(hostileDiff());
    expect(text).not.toMatch(/<img|<script|<\/details><script/);
    expect(text).not.toContain('@team');
    // Unescaped pipes delimit cells: every row has as many as its table's header (the line above `| --- |`).
    const cells = (row: string) => row.replace(/\\\|/g, '').split('|').length;
    const lines = text.split('\n');
    let header: number | undefined;
    let rows = 0;
    for (const [i, line] of lines.entries()) {
      if (!line.startsWith('|')) header = undefined;
      else if (lines[i + 1]?.startsWith('| ---')) header = cells(line);
      else if (!line.startsWith('| ---') && header !== undefined) {
        expect(cells(line)).toBe(header);
        rows++;
      }
    }
    expect(rows).toBe(2);
  });

  it('markdown stays under GitHub comment limit and says how many rows it left out', () => {
    const many = Array.from({ length: 5000 }, (_, i) => rpm(`package-with-a-long-name-${i}`, '1.0'));
    const diff = diffImages(
      { inventory: inventory([]) },
      { inventory: inventory(many) },
      { advisoriesSkipped: 'test' },
    );
    const text = diffMarkdown(diff);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const left = /…and (\d+) more/.exec(text);
    expect(Number(left?.[1])).toBe(5000 - (text.match(/^\| added \|/gm) ?? []).length);
  });

  it('the JSON validates against the committed JSON Schema (regenerate: UPDATE_SCHEMAS=1)', async () => {
    const generated = `${JSON.stringify(imageDiffJsonSchemaDocument(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') await writeFile(SCHEMA_FILE, generated);
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(generated);
    const validate = new Ajv2020({ allErrors: true }).compile(JSON.parse(generated) as object);
    for (const diff of [hostileDiff(), diffImages({ inventory: inventory([]) }, { inventory: inventory([]) })]) {
      const document = JSON.parse(diffJson(diff)) as unknown;
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
