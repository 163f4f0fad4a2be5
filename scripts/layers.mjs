// The layering of DESIGN.md ("Modules (src/)") as data, and the parsing both scripts/check-layers.mjs and
// scripts/fix-index-imports.mjs share: which module a file belongs to, and every relative import a file makes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * What each module may import directly, as DESIGN.md's table lists it; the closure below adds what those import.
 * `core` (src/core/ and the files at the root of src/) is the bottom everyone may import; `http` sits on core only.
 * `package` is src/index.ts, the library's public entry, which re-exports modules as `cli` uses them.
 * pipeline's "(and the controller's API)" is fleet: a pipeline creates releases and rollouts of fleet's model; it also
 * renders the gate report into its run log with report's writer (docs/decisions/0074-layering-check.md). server also
 * reads policy's gate evidence and report's image diff: a release carries both (docs/decisions/0075-release-evidence-and-diff.md).
 */
export const TABLE = {
  core: [],
  http: [],
  oci: [],
  rootfs: ['oci'],
  inventory: ['rootfs'],
  version: [],
  advisories: ['version', 'oci'],
  scan: ['inventory', 'advisories'],
  policy: ['scan'],
  report: ['scan', 'policy'],
  fleet: [],
  store: ['fleet'],
  server: ['fleet', 'store', 'oci', 'policy', 'report'],
  host: [],
  pipeline: ['oci', 'scan', 'policy', 'report', 'fleet'],
  cli: '*',
  package: '*',
};

/** Modules every module above them may import without the table naming them. */
const BOTTOM = ['core', 'http'];

/** module → the set of modules it may import (itself excluded): the table's edges, transitively, plus the bottom. */
export function allowedImports(table = TABLE) {
  const names = Object.keys(table);
  const allowed = new Map();
  const visit = (name, trail) => {
    if (allowed.has(name)) return allowed.get(name);
    if (trail.includes(name)) throw new Error(`the layering table has a cycle: ${[...trail, name].join(' → ')}`);
    const direct = table[name] === '*' ? names.filter((other) => other !== name) : table[name];
    const reach = new Set();
    for (const below of direct) {
      if (!(below in table))
        throw new Error(`the layering table names "${below}" (from ${name}) but has no row for it`);
      reach.add(below);
      if (table[below] !== '*') for (const further of visit(below, [...trail, name])) reach.add(further);
    }
    // core imports nothing; http imports only core (it is itself part of the bottom).
    const bottom = name === 'core' ? [] : name === 'http' ? ['core'] : BOTTOM;
    for (const below of bottom) reach.add(below);
    allowed.set(name, reach);
    return reach;
  };
  for (const name of names) visit(name, []);
  return allowed;
}

const posix = (path) => path.split(sep).join('/');

/** The module a source path (relative to the repository, posix) belongs to, or null outside src/. */
export function moduleOf(path) {
  const parts = path.split('/');
  if (parts[0] !== 'src') return null;
  if (parts.length === 2) return parts[1] === 'index.ts' ? 'package' : 'core';
  return parts[1];
}

/** A module's public surface: src/<module>/index.ts; null for src/index.ts, the package's own entry. */
export function indexOf(module) {
  return module === 'package' ? null : `src/${module}/index.ts`;
}

/**
 * The index `target` must be imported through from another module, or null when it may be imported as it is: files
 * of core outside src/core/ (the root files) and of a src/core/ without an index.ts, where each file is one small
 * concept of its own. Every other module has its index.ts (the codemod creates a missing one).
 */
export function barrelFor(target, exists) {
  const module = moduleOf(target);
  const index = module && indexOf(module);
  if (!index || target === index || !target.startsWith(`src/${module}/`)) return null;
  if (module === 'core' && !exists(index)) return null;
  return index;
}

/** Every .ts file under src/, posix paths relative to root, sorted. */
export function sourceFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
    }
  };
  walk('src');
  return found.sort();
}

/**
 * Resolves a relative specifier the way NodeNext does for our sources: './x.js' is './x.ts' on disk.
 * `exists` is injectable so tests can feed synthetic sources. Returns a posix path relative to root.
 */
export function resolveSpecifier(fromPath, specifier, exists) {
  const target = posix(join(dirname(fromPath), specifier));
  const candidates = target.endsWith('.js')
    ? [`${target.slice(0, -3)}.ts`, target]
    : [target, `${target}.ts`, `${target}/index.ts`];
  return candidates.find(exists) ?? candidates[0];
}

/**
 * The relative imports of one file: static imports and re-exports (type-only ones too), `import()` calls and
 * `import('...')` types. Each: { specifier, line, start, end (of the string literal, quotes included), typeOnly,
 * names: [{ name, alias, typeOnly }] | null (null for `* as`, side-effect imports and dynamic imports), kind }.
 */
export function importsOf(path, text) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const record = (literal, kind, typeOnly, names, statement) => {
    if (!ts.isStringLiteral(literal) || !literal.text.startsWith('.')) return;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({
      specifier: literal.text,
      line,
      start: literal.getStart(source),
      end: literal.getEnd(),
      typeOnly,
      names,
      kind,
      statement,
    });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      let names = null;
      if (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        names = clause.namedBindings.elements.map((element) => ({
          name: (element.propertyName ?? element.name).text,
          alias: element.name.text,
          typeOnly: clause.isTypeOnly || element.isTypeOnly,
        }));
      }
      record(node.moduleSpecifier, 'import', Boolean(clause?.isTypeOnly), names, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      let names = null;
      if (node.exportClause && ts.isNamedExports(node.exportClause)) {
        names = node.exportClause.elements.map((element) => ({
          name: (element.propertyName ?? element.name).text,
          alias: element.name.text,
          typeOnly: node.isTypeOnly || element.isTypeOnly,
        }));
      }
      record(node.moduleSpecifier, 'export', node.isTypeOnly, names, node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
      record(node.arguments[0], 'dynamic', false, null, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      record(node.argument.literal, 'type', true, null, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Reads the sources of a repository root into [{ path, text }]. */
export function readSources(root) {
  return sourceFiles(root).map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

/** A file-existence check for resolveSpecifier over a real root or over synthetic sources. */
export function existsIn(root, sources) {
  if (sources) {
    const paths = new Set(sources.map((file) => file.path));
    return (path) => paths.has(path);
  }
  return (path) => existsSync(resolve(root, path));
}
