#!/usr/bin/env node
// Part of `npm run lint`: holds src/ to the layering of DESIGN.md ("Modules (src/)"). Reports, per import,
//   layer   a module importing one the table does not put below it (up or sideways),
//   index   a file of another module imported other than through that module's index.ts,
//   outside a file under src/ importing from outside src/ (test helpers belong to test/),
//   own-index  a module's file importing the module's own index.ts (a cycle: index → file → index),
//   module  a folder under src/ the table has no row for (add it to TABLE in scripts/layers.mjs and to DESIGN.md).
// Exceptions live in scripts/layers-allowlist.txt, one `importer -> imported  # reason` a line; an entry that no
// longer matches an import is reported too, so the list only shrinks. Exit status 1 when anything is reported.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  allowedImports,
  barrelFor,
  existsIn,
  importsOf,
  indexOf,
  moduleOf,
  readSources,
  resolveSpecifier,
  TABLE,
} from './layers.mjs';

export const ALLOWLIST = 'scripts/layers-allowlist.txt';

/** Parses the allowlist text into [{ from, to, reason, line }]; a line without a reason is an error. */
export function parseAllowlist(text) {
  const entries = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(\S+)\s+->\s+(\S+)\s+#\s*(\S.*)$/.exec(line);
    if (!match) {
      throw new Error(`${ALLOWLIST}:${index + 1}: expected "importer -> imported  # reason", got "${line}"`);
    }
    entries.push({ from: match[1], to: match[2], reason: match[3], line: index + 1 });
  });
  return entries;
}

/**
 * Checks sources ([{ path, text }], paths relative to the repository root) against the table.
 * Returns { violations: [{ file, line, from, to, target, rule, message }], stale: allowlist entries unused }.
 */
export function checkLayers(sources, { exists = existsIn(null, sources), allowlist = [], table = TABLE } = {}) {
  const allowed = allowedImports(table);
  const violations = [];
  const report = (file, line, from, to, target, rule, message) =>
    violations.push({ file, line, from, to, target, rule, message });
  const unknownModules = new Set();
  for (const { path, text } of sources) {
    const from = moduleOf(path);
    if (!(from in table)) {
      if (!unknownModules.has(from)) report(path, 1, from, from, path, 'module', `src/${from}/ has no row in TABLE`);
      unknownModules.add(from);
      continue;
    }
    for (const imported of importsOf(path, text)) {
      const target = resolveSpecifier(path, imported.specifier, exists);
      const to = moduleOf(target);
      if (to === null) {
        report(path, imported.line, from, '(outside src)', target, 'outside', 'src/ imports a file outside src/');
        continue;
      }
      if (to === from) {
        // A module's own files importing its barrel make a cycle (index → file → index); its tests may.
        if (target === indexOf(to) && path !== target && !path.endsWith('.test.ts')) {
          report(path, imported.line, from, to, target, 'own-index', 'a module imports its own files, not its index');
        }
        continue;
      }
      if (!allowed.get(from).has(to)) {
        const may = [...allowed.get(from)].sort().join(', ') || 'nothing';
        report(path, imported.line, from, to, target, 'layer', `${from} may import only ${may}`);
      }
      const index = barrelFor(target, exists);
      if (index) report(path, imported.line, from, to, target, 'index', `import ${index} instead`);
    }
  }
  const used = new Set();
  const kept = violations.filter((violation) => {
    const entry = allowlist.find((candidate) => candidate.from === violation.file && candidate.to === violation.target);
    if (entry) used.add(entry);
    return !entry;
  });
  return { violations: kept, stale: allowlist.filter((entry) => !used.has(entry)) };
}

/** One line per violation: file:line  rule  importer → imported (file): what to do. */
export function formatViolation(violation) {
  return `${violation.file}:${violation.line}  ${violation.rule}  ${violation.from} → ${violation.to} (${violation.target}): ${violation.message}`;
}

/** `node scripts/check-layers.mjs [root]`: root defaults to this repository (tests point it at a planted copy). */
function main() {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../..'));
  const sources = readSources(root);
  let allowlistText = '';
  try {
    allowlistText = readFileSync(join(root, ALLOWLIST), 'utf8');
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const allowlist = parseAllowlist(allowlistText);
  const { violations, stale } = checkLayers(sources, { exists: existsIn(root), allowlist });
  for (const violation of violations) console.error(formatViolation(violation));
  for (const entry of stale) {
    console.error(
      `${ALLOWLIST}:${entry.line}  stale  ${entry.from} -> ${entry.to} no longer imports it: remove the line`,
    );
  }
  if (violations.length > 0 || stale.length > 0) {
    const counts = new Map();
    for (const { rule } of violations) counts.set(rule, (counts.get(rule) ?? 0) + 1);
    const byRule = [...counts].map(([rule, count]) => `${count} ${rule}`).join(', ');
    console.error(
      `check-layers: ${violations.length} violations (${byRule || 'none'}), ${stale.length} stale allowlist entries`,
    );
    process.exitCode = 1;
  } else {
    console.log(`check-layers: ${sources.length} files hold to the layering (${allowlist.length} allowlisted imports)`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
