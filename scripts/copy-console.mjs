#!/usr/bin/env node
// Part of `npm run build`: tsc compiles only TypeScript, so the web console's files (plain ES modules, CSS, HTML,
// served as they are) are copied from src/server/ui to dist/server/ui here. No bundler, no network.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const from = join(root, 'src/server/ui');
const to = join(root, 'dist/server/ui');
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
