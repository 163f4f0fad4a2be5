import { checkRunnerScript } from './check-runner-script.js';
import { containerfileSnippet } from './containerfile.js';
import { enrollScript } from './enroll-script.js';
import { greenScript } from './green-script.js';
import type { HostFilesOptions } from './host-options.js';
import { HOST_PATHS } from './host-paths.js';
import { redScript } from './red-script.js';
import { ostreeAuthJson, registriesConf } from './registry-config.js';
import { reportScript } from './report-script.js';
import { enrollService, statusService, statusTimer, updateServiceDropIn, updateTimerDropIn } from './systemd-units.js';

export interface GeneratedFile {
  /** Relative to the output folder: `rootfs/…` goes into the image, `host/…` onto one host, never into an image. */
  path: string;
  content: string | Uint8Array;
  mode: number;
}

const EXECUTABLE = 0o755;
const READABLE = 0o644;
const SECRET = 0o600;

/** `rootfs/` holds the files exactly where they land in the image. */
function inImage(hostPath: string, content: string | Uint8Array, mode: number): GeneratedFile {
  return { path: `rootfs${hostPath}`, content, mode };
}

function onHost(hostPath: string, content: string, mode: number): GeneratedFile {
  return { path: `host${hostPath}`, content, mode };
}

/**
 * Everything `patchline host files` writes, as data: the image part (scripts, units, drop-ins, the user's checks,
 * the registry setting), the Containerfile snippet that copies it in, and, when one host is named, that host's
 * own files (its credential or enrollment token), which are kept apart because they must never be baked in.
 * `outName` is the output folder's name as the Containerfile's build context sees it.
 */
export function hostFiles(options: HostFilesOptions, outName: string): GeneratedFile[] {
  const files: GeneratedFile[] = [
    inImage(HOST_PATHS.report, reportScript(options), EXECUTABLE),
    inImage(HOST_PATHS.enroll, enrollScript(options), EXECUTABLE),
    inImage(HOST_PATHS.checkRunner, checkRunnerScript(), EXECUTABLE),
    inImage(HOST_PATHS.green, greenScript(), EXECUTABLE),
    inImage(HOST_PATHS.red, redScript(), EXECUTABLE),
    inImage(HOST_PATHS.statusService, statusService(), READABLE),
    inImage(HOST_PATHS.statusTimer, statusTimer(options), READABLE),
    inImage(HOST_PATHS.enrollService, enrollService(), READABLE),
    inImage(HOST_PATHS.updateTimerDropIn, updateTimerDropIn(options), READABLE),
    inImage(HOST_PATHS.updateServiceDropIn, updateServiceDropIn(), READABLE),
    ...options.checks.map((check) => inImage(`${HOST_PATHS.checks}/${check.name}`, check.content, EXECUTABLE)),
    { path: 'Containerfile.patchline', content: containerfileSnippet(options, outName), mode: READABLE },
  ];
  const insecure = registriesConf(options.controller);
  if (insecure !== undefined) files.push(inImage(HOST_PATHS.registriesConf, insecure, READABLE));
  if (options.enrolled !== undefined) {
    const { name, credential } = options.enrolled;
    files.push(
      onHost(HOST_PATHS.hostName, `${name}\n`, READABLE),
      onHost(HOST_PATHS.credential, `${credential}\n`, SECRET),
      onHost(HOST_PATHS.ostreeAuth, ostreeAuthJson(options.controller, name, credential), SECRET),
    );
  }
  if (options.enrollment !== undefined) {
    files.push(
      onHost(HOST_PATHS.hostName, `${options.enrollment.name}\n`, READABLE),
      onHost(HOST_PATHS.enrollmentToken, `${options.enrollment.token}\n`, SECRET),
    );
  }
  return files;
}
