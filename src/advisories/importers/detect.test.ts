import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { AdvisorySource } from '../advisory.js';
import { IMPORTERS } from './index.js';

const SHARED = resolve(import.meta.dirname, '../../../../shared');
const HAVE_SHARED = existsSync(SHARED);
const SKIPPED = HAVE_SHARED ? '' : ' (skipped: ../shared is absent)';
const VULN = resolve(SHARED, 'fixtures/vuln');

/** Each fixture folder and the format its documents are in. */
const FOLDERS: ReadonlyArray<[string, AdvisorySource]> = [
  ['osv-almalinux', 'osv'],
  ['osv-rocky', 'osv'],
  ['osv-debian', 'osv'],
  ['debian-tracker', 'debian-tracker'],
  ['alpine-secdb', 'alpine-secdb'],
  ['fedora-bodhi', 'fedora-bodhi'],
  ['redhat-csaf-vex', 'redhat-csaf-vex'],
  ['redhat-csaf-advisories', 'redhat-csaf-advisory'],
];

function documents(folder: string): Array<[string, unknown]> {
  return readdirSync(resolve(VULN, folder))
    .filter((name) => /\.(json|ya?ml)$/.test(name))
    .map((name) => {
      const text = readFileSync(resolve(VULN, folder, name), 'utf8');
      return [name, name.endsWith('.json') ? JSON.parse(text) : parseYaml(text)];
    });
}

describe.skipIf(!HAVE_SHARED)(`every importer's detect on every document of fixtures/vuln${SKIPPED}`, () => {
  it.each(FOLDERS)('%s is taken by the %s importer and by no other', (folder, source) => {
    const found = documents(folder);
    expect(found.length).toBeGreaterThan(0);
    for (const [name, document] of found) {
      const takers = IMPORTERS.filter((importer) => importer.detect(document, name)).map((importer) => importer.source);
      expect(takers, name).toEqual([source]);
    }
  });
});
