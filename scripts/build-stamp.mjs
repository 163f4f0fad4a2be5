// Writes dist/build-info.json: the commit this build was made from, for `patchline version`. The commit comes from
// $PATCHLINE_COMMIT when the builder knows it (a container build has no .git), else from git in this checkout
// ("-dirty" when tracked files differ from it), else it is null: an unknown commit is reported as unknown.
import { spawnSync } from 'node:child_process';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = realpathSync(fileURLToPath(new URL('..', import.meta.url)));

function git(...args) {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function commit() {
  const stamped = process.env.PATCHLINE_COMMIT?.trim();
  if (stamped) return stamped;
  // Only this checkout's own history: a package unpacked inside some other repository must not take its commit.
  const top = git('rev-parse', '--show-toplevel');
  if (!top || realpathSync(top) !== root) return null;
  const head = git('rev-parse', 'HEAD');
  if (!head) return null;
  return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}-dirty`;
}

writeFileSync(join(root, 'dist', 'build-info.json'), `${JSON.stringify({ commit: commit() })}\n`);
