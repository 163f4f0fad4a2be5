#!/usr/bin/env node
// Rewrites every import of another module's non-index file (`../oci/digest.js` from src/scan/) to that module's
// index.ts, and adds to the index the exports the importers need: values and types in separate statements
// (`export { a } from './x.js'` / `export type { B } from './x.js'`). Re-runnable: a second run changes nothing,
// so it can be run again after merges. Only imports between two different modules are touched, so no module is
// made to import its own index (the cycle barrels invite). It leaves alone, and lists, what it cannot rewrite
// safely: namespace, default and dynamic imports (a dynamic import loads one file late on purpose), and names the
// index already exports from a different file. Then it formats the files it changed with biome.
//   node scripts/fix-index-imports.mjs [--dry-run] [--no-format] [root]   (root: this repository by default)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { barrelFor, existsIn, importsOf, moduleOf, readSources, resolveSpecifier } from './layers.mjs';

/** The specifier `fromPath` uses to import `toPath` (both relative to the root): './x.js' or '../m/index.js'. */
function specifierBetween(fromPath, toPath) {
  const path = relative(dirname(fromPath), toPath).replace(/\.ts$/, '.js');
  return path.startsWith('.') ? path : `./${path}`;
}

/** The symbol a module exports under `name`, with re-export aliases followed to the declaration. */
function exportedSymbol(checker, moduleSymbol, name) {
  const symbol = checker.getExportsOfModule(moduleSymbol).find((candidate) => candidate.name === name);
  if (!symbol) return undefined;
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/**
 * Plans the rewrite over a TypeScript program of root's sources: { rewrites: Map<file, [{ start, end, text }]>,
 * additions: Map<index, Map<target, { values: Set, types: Set }>>, skipped: [message] }.
 */
export function planRewrite(root, sources) {
  const exists = existsIn(root);
  const program = ts.createProgram(
    sources.map((file) => join(root, file.path)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
      allowJs: false,
    },
  );
  const checker = program.getTypeChecker();
  const moduleSymbolOf = (path) => {
    const file = program.getSourceFile(join(root, path));
    return file && checker.getSymbolAtLocation(file);
  };
  const rewrites = new Map();
  const additions = new Map();
  const claimed = new Map(); // `${index}#${name}` → the symbol it will export, to catch two files claiming a name
  const skipped = [];
  for (const { path, text } of sources) {
    const from = moduleOf(path);
    for (const imported of importsOf(path, text)) {
      const target = resolveSpecifier(path, imported.specifier, exists);
      const index = barrelFor(target, exists);
      if (!index || moduleOf(target) === from) continue;
      const where = `${path}:${imported.line}`;
      if (!imported.names) {
        skipped.push(`${where}: ${imported.kind} import of ${target} without named bindings: rewrite by hand`);
        continue;
      }
      const targetSymbol = moduleSymbolOf(target);
      // A module without its index.ts yet gets one, holding what its importers need.
      const indexSymbol = exists(index) ? moduleSymbolOf(index) : null;
      if (!targetSymbol || indexSymbol === undefined) {
        skipped.push(`${where}: ${target} or ${index} is not a TypeScript module`);
        continue;
      }
      const needed = [];
      let blocked = null;
      for (const { name } of imported.names) {
        const symbol = exportedSymbol(checker, targetSymbol, name);
        if (!symbol) {
          blocked = `${target} does not export ${name}`;
          break;
        }
        const current = (indexSymbol && exportedSymbol(checker, indexSymbol, name)) ?? claimed.get(`${index}#${name}`);
        if (current && current !== symbol) {
          blocked = `${index} already exports another ${name}`;
          break;
        }
        if (!current) needed.push({ name, symbol, isValue: Boolean(symbol.flags & ts.SymbolFlags.Value) });
      }
      if (blocked) {
        skipped.push(`${where}: ${blocked}: rewrite by hand`);
        continue;
      }
      for (const { name, symbol, isValue } of needed) {
        claimed.set(`${index}#${name}`, symbol);
        if (!additions.has(index)) additions.set(index, new Map());
        const byTarget = additions.get(index);
        if (!byTarget.has(target)) byTarget.set(target, { values: new Set(), types: new Set() });
        byTarget.get(target)[isValue ? 'values' : 'types'].add(name);
      }
      if (!rewrites.has(path)) rewrites.set(path, []);
      rewrites.get(path).push({ start: imported.start, end: imported.end, text: `'${specifierBetween(path, index)}'` });
    }
  }
  return { rewrites, additions, skipped };
}

/** Applies text edits (non-overlapping, any order) to a string. */
function applyEdits(text, edits) {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  }
  return result;
}

/** The statements appended to an index: per file, one `export { values }` and one `export type { types }`. */
function exportStatements(index, byTarget) {
  const lines = [];
  for (const [target, { values, types }] of [...byTarget].sort(([a], [b]) => a.localeCompare(b))) {
    const specifier = specifierBetween(index, target);
    if (values.size > 0) lines.push(`export { ${[...values].sort().join(', ')} } from '${specifier}';`);
    if (types.size > 0) lines.push(`export type { ${[...types].sort().join(', ')} } from '${specifier}';`);
  }
  return lines.join('\n');
}

function main() {
  const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
  const unknown = flags.filter((flag) => flag !== '--dry-run' && flag !== '--no-format');
  if (unknown.length > 0) throw new Error(`fix-index-imports: unknown option ${unknown.join(', ')}`);
  const dryRun = flags.includes('--dry-run');
  const repository = join(fileURLToPath(import.meta.url), '../..');
  const root = resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? repository);
  const sources = readSources(root);
  const { rewrites, additions, skipped } = planRewrite(root, sources);
  const texts = new Map(sources.map((file) => [file.path, file.text]));
  const changed = new Map();
  for (const [path, edits] of rewrites) changed.set(path, applyEdits(texts.get(path), edits));
  for (const [index, byTarget] of additions) {
    const text = changed.get(index) ?? texts.get(index) ?? '';
    changed.set(index, `${text.replace(/\n*$/, '\n')}${exportStatements(index, byTarget)}\n`);
  }
  const imports = [...rewrites.values()].reduce((sum, edits) => sum + edits.length, 0);
  const names = [...additions.values()]
    .flatMap((byTarget) => [...byTarget.values()])
    .reduce((sum, { values, types }) => sum + values.size + types.size, 0);
  for (const line of skipped) console.error(`skipped ${line}`);
  console.log(
    `fix-index-imports: ${imports} imports in ${rewrites.size} files rewritten, ${names} names added to ` +
      `${additions.size} index files, ${skipped.length} left for a person${dryRun ? ' (dry run: nothing written)' : ''}`,
  );
  if (dryRun || changed.size === 0) return;
  for (const [path, text] of changed) writeFileSync(join(root, path), text.replace(/^\n+/, ''));
  if (flags.includes('--no-format')) return;
  // Sorting and merging the rewritten imports is biome's job (organizeImports); only the changed files.
  execFileSync(join(repository, 'node_modules/.bin/biome'), ['check', '--write', ...changed.keys()], {
    cwd: root,
    stdio: 'inherit',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
