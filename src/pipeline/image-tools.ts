import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Fix } from '../fleet/index.js';
import { fixKey } from '../fleet/index.js';
import { type CommandResult, runCommand } from './run-command.js';

/**
 * The build edge: podman (or the user's command) makes the image, and podman writes it out as an OCI layout, which
 * Patchline then scans, gates and pushes itself, so the digest that was judged is the digest that ships.
 */

export interface BuildRequest {
  /** podman's name for the built image: localhost/patchline/PIPELINE:RUN. */
  tag: string;
  /** The pipeline file's folder. */
  baseDir: string;
  containerfile?: string;
  /** Build context (Containerfile builds) or the folder the build command runs in. */
  context: string;
  command?: readonly string[];
  base?: { name: string; digest: string };
  revision: string;
  created: string;
  fixes: readonly Fix[];
  logFile: string;
  timeoutMs: number;
  /** false lets podman pull the base over plain HTTP, as our own registry client was told. */
  tlsVerify?: boolean;
  podman: string;
}

/**
 * A value that changes whenever the set of fixes to ship does: passed as a build argument, it invalidates podman's
 * cache from the first instruction that uses it, so a `dnf upgrade` layer runs again instead of being reused.
 */
export function fixesBuildArg(fixes: readonly Fix[]): string {
  const keys = fixes.map(fixKey).sort();
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
}

export function buildImage(request: BuildRequest): Promise<CommandResult> {
  const fixesArg = fixesBuildArg(request.fixes);
  const options = { cwd: request.baseDir, timeoutMs: request.timeoutMs, logFile: request.logFile };
  if (request.command !== undefined) {
    return runCommand(request.command, {
      ...options,
      cwd: request.context,
      env: { ...process.env, PATCHLINE_IMAGE: request.tag, PATCHLINE_FIXES: fixesArg },
    });
  }
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': request.created,
    'org.opencontainers.image.revision': request.revision,
  };
  if (request.base !== undefined) {
    labels['org.opencontainers.image.base.name'] = request.base.name;
    labels['org.opencontainers.image.base.digest'] = request.base.digest;
  }
  const argv = [
    request.podman,
    'build',
    '--pull=always',
    ...(request.tlsVerify === false ? ['--tls-verify=false'] : []),
    '--file',
    request.containerfile ?? join(request.context, 'Containerfile'),
    '--build-arg',
    `PATCHLINE_FIXES=${fixesArg}`,
    ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    '--tag',
    request.tag,
    request.context,
  ];
  return runCommand(argv, options);
}

/** Writes podman's image to an OCI layout (`oci:DIR:latest`), the form every later step reads. */
export function exportImage(
  podman: string,
  tag: string,
  layout: string,
  logFile: string,
  timeoutMs: number,
): Promise<CommandResult> {
  return runCommand([podman, 'push', '--quiet', tag, `oci:${layout}:latest`], {
    cwd: layout,
    timeoutMs,
    logFile,
  });
}

/** Frees podman's storage of a run's image once it is exported (best effort: a leftover tag harms nothing). */
export async function removeImage(podman: string, tag: string, logFile: string): Promise<void> {
  await runCommand([podman, 'rmi', '--force', tag], { cwd: '/', timeoutMs: 120_000, logFile });
}
