import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command } from 'commander';
import { PatchlineError } from '../core/index.js';
import { hostFiles, hostFilesOptionsSchema, writeHostFiles } from '../host/index.js';
import { collect, parseLabelPairs } from './resource-commands.js';

interface HostFilesFlags {
  controller: string;
  fleet: string;
  out: string;
  check?: string[];
  label?: string[];
  updateSchedule?: string;
  statusInterval?: string;
  host?: string;
  credentialFile?: string;
  enrollmentTokenFile?: string;
}

/** The flag each option comes from, so a bad value is reported under the name the user typed. */
const FLAG_OF: Record<string, string> = {
  controller: '--controller',
  fleet: '--fleet',
  updateSchedule: '--update-schedule',
  statusInterval: '--status-interval',
  labels: '--label',
  checks: '--check',
  enrolled: '--host/--credential-file',
  enrollment: '--host/--enrollment-token-file',
};

/**
 * `patchline host files`: the files that make a bootc image a Patchline host without an agent. Writing them needs no
 * controller: they only name it. Secrets are read from files, never from the command line (ps shows arguments).
 */
export function hostFilesCommand(): Command {
  return new Command('files')
    .description('write the greenboot hooks, systemd units, update-timer drop-in and Containerfile snippet for a fleet')
    .requiredOption('--controller <url>', 'the controller as hosts reach it, e.g. https://patchline.example.com')
    .requiredOption('--fleet <name>', 'the fleet whose gateway repository hosts pull')
    .requiredOption('--out <dir>', 'a new or empty folder to write into')
    .option('--check <file>', 'a health check to run at every boot (an executable; repeatable)', collect)
    .option('--label <k=v>', 'a label hosts expect when they enroll; their token must carry it (repeatable)', collect)
    .option('--update-schedule <calendar>', "when bootc's update timer asks the gateway (systemd OnCalendar)", '*:0/15')
    .option('--status-interval <span>', 'how often hosts report their status (systemd time span)', '1min')
    .option('--host <name>', 'also write the files of this one host, under host/ (needs one of the next two)')
    .option('--credential-file <file>', "the host's credential, for a host already enrolled (writes its auth.json)")
    .option('--enrollment-token-file <file>', 'a one-time enrollment token the host trades at first boot')
    .action(async (flags: HostFilesFlags) => {
      const options = hostFilesOptionsSchema.safeParse({
        controller: flags.controller,
        fleet: flags.fleet,
        updateSchedule: flags.updateSchedule,
        statusInterval: flags.statusInterval,
        labels: parseLabelPairs(flags.label ?? [], '--label'),
        checks: await Promise.all((flags.check ?? []).map(readCheck)),
        ...(await hostSecrets(flags)),
      });
      if (!options.success) {
        const issue = options.error.issues[0];
        const [field, ...rest] = issue?.path ?? [];
        const flag = FLAG_OF[String(field)] ?? String(field);
        const where = rest.length > 0 ? ` (${rest.join('.')})` : '';
        // A bad record key (a label key) carries its reason one level down.
        const reason = issue?.code === 'invalid_key' ? issue.issues[0]?.message : issue?.message;
        throw new PatchlineError('usage', `${flag}${where}`, reason ?? 'invalid');
      }
      const files = hostFiles(options.data, basename(flags.out.replace(/\/+$/, '')));
      await writeHostFiles(flags.out, files);
      for (const file of files) process.stdout.write(`${file.mode.toString(8).padStart(4, '0')} ${file.path}\n`);
    });
}

async function readCheck(file: string): Promise<{ name: string; content: Uint8Array }> {
  return { name: basename(file), content: await readInputFile(file, '--check') };
}

async function readInputFile(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PatchlineError('input', `${flag} ${file}`, `cannot read it (${code})`, { cause: error });
  }
}

async function hostSecrets(flags: HostFilesFlags): Promise<object> {
  const given = [flags.credentialFile, flags.enrollmentTokenFile].filter((file) => file !== undefined).length;
  if (flags.host === undefined && given === 0) return {};
  if (flags.host === undefined) {
    throw new PatchlineError('usage', '--host', 'is needed with --credential-file or --enrollment-token-file');
  }
  if (given !== 1) {
    throw new PatchlineError(
      'usage',
      `--host ${flags.host}`,
      'needs exactly one of --credential-file and --enrollment-token-file',
    );
  }
  if (flags.credentialFile !== undefined) {
    const credential = (await readInputFile(flags.credentialFile, '--credential-file')).toString('utf8').trim();
    return { enrolled: { name: flags.host, credential } };
  }
  const token = (await readInputFile(flags.enrollmentTokenFile!, '--enrollment-token-file')).toString('utf8').trim();
  return { enrollment: { name: flags.host, token } };
}
