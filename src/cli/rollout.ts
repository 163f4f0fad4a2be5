import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { PatchlineError } from '../core/index.js';
import {
  API_VERSION,
  isFinalPhase,
  type Rollout,
  type RolloutPhase,
  rolloutSchema,
  tryParseDuration,
} from '../fleet/index.js';
import type { ControllerClient } from './controller-client.js';
import { policyFlags, type RolloutPolicyFlags, rolloutPolicyOptions } from './policy-flags.js';
import {
  applyCommand,
  checked,
  connect,
  controllerCommand,
  createFromFile,
  createResource,
  deleteCommand,
  listCommand,
  listItems,
  type OutputFlags,
  printOne,
  type ResourceKind,
} from './resource-commands.js';
import { formatDocument, formatTable, rolloutColumns, rolloutMessage } from './resource-output.js';
import { ResultExit } from './result-exit.js';

export const ROLLOUT: ResourceKind<Rollout> = {
  noun: 'rollout',
  kind: 'Rollout',
  plural: 'rollouts',
  schema: rolloutSchema,
  columns: rolloutColumns,
};

type Action = 'pause' | 'resume' | 'approve' | 'abort';

export function rolloutCommand(): Command {
  return new Command('rollout')
    .description('rollouts: a release moving over its fleet in health-gated batches')
    .addCommand(startCommand())
    .addCommand(createCommand())
    .addCommand(listCommand(ROLLOUT))
    .addCommand(getRolloutCommand())
    .addCommand(applyCommand(ROLLOUT))
    .addCommand(deleteCommand(ROLLOUT))
    .addCommand(actionCommand('pause', 'stop selecting hosts (hosts already told carry on)'))
    .addCommand(actionCommand('resume', 'carry on after a pause'))
    .addCommand(actionCommand('approve', 'let the next batch start (with --approval manual)'))
    .addCommand(actionCommand('abort', 'stop for good: nobody new gets the release; hosts that have it keep it'))
    .addCommand(eventsCommand())
    .addCommand(waitCommand());
}

/**
 * How a rollout stands for a script: succeeded, failed (halted, rolling back or rolled back, aborted, or blocked
 * from the start), or still under way (including paused and waiting for an approval, which a person may yet end).
 */
export function rolloutOutcome(phase: RolloutPhase | undefined): 'succeeded' | 'failed' | 'under-way' {
  if (phase === 'succeeded') return 'succeeded';
  const failed: Array<RolloutPhase | undefined> = ['halted', 'rolling-back', 'rolled-back', 'aborted', 'blocked'];
  return failed.includes(phase) ? 'failed' : 'under-way';
}

/** Exit 1 with the rollout's phase and message, for a rollout that ended (or stands) other than succeeded. */
function failedRollout(rollout: Rollout): ResultExit {
  const status = rollout.status;
  const message = status?.message === undefined ? '' : `: ${status.message}`;
  return new ResultExit(`rollout ${rollout.metadata.name} is ${status?.phase ?? 'new'}${message}`);
}

interface StartFlags extends OutputFlags, RolloutPolicyFlags {
  name?: string;
}

function startCommand(): Command {
  const command = controllerCommand('start')
    .description('roll a release out over its fleet (policy flags override the fleet’s)')
    .argument('<release>', 'the release to roll out')
    .option('--name <name>', 'rollout name (default: the release name)');
  for (const option of rolloutPolicyOptions()) command.addOption(option);
  return command.action(async (release: string, flags: StartFlags) => {
    const name = flags.name ?? release;
    const rollout = checked(
      ROLLOUT,
      {
        apiVersion: API_VERSION,
        kind: 'Rollout',
        metadata: { name },
        spec: { ...policyFlags(flags), release },
      },
      `rollout start ${release}`,
    );
    const created = (await createResource(ROLLOUT, rollout, flags)) as Rollout | undefined;
    // The server decides at once: a release that may not roll out (its gate failed) shows as blocked already.
    if (created?.status?.phase === 'blocked') throw failedRollout(created);
  });
}

function createCommand(): Command {
  return controllerCommand('create')
    .description('create the rollouts of a YAML or JSON file (see also start)')
    .requiredOption('-f, --filename <file>', 'the file')
    .action((flags: OutputFlags & { filename: string }) => createFromFile(ROLLOUT, flags.filename, flags));
}

/** Like every get, plus why it stopped, so a halted rollout says so without -o yaml. */
function getRolloutCommand(): Command {
  return controllerCommand('get')
    .description('show one rollout')
    .argument('<name>', 'rollout name')
    .action(async (name: string, flags: OutputFlags) => {
      const client = await connect(flags);
      const rollout = (await client.get(client.resourcePath('rollouts', name))) as Rollout;
      let text = printOne(ROLLOUT, rollout, flags.format);
      if (flags.format === 'table') {
        const status = rollout.status;
        if (status?.message !== undefined || status?.heldBack !== undefined) {
          text += `\nMessage: ${rolloutMessage(rollout)}\n`;
        }
        if (status?.halt !== undefined) {
          const b = status.halt.breakdown;
          text +=
            `\nHalted: ${status.halt.message}\n` +
            `  batch ${status.halt.batch}: total ${b.total}, healthy ${b.healthy}, failed ${b.failed}, ` +
            `timed out ${b.timedOut}, not applicable ${b.notApplicable}\n`;
        }
      }
      process.stdout.write(text);
    });
}

interface ActionFlags extends OutputFlags {
  reason?: string;
  by?: string;
}

function actionCommand(action: Action, description: string): Command {
  const command = controllerCommand(action)
    .description(description)
    .argument('<name>', 'rollout name')
    .option('--by <who>', 'who did it (recorded in the rollout)');
  if (action === 'abort') command.requiredOption('--reason <text>', 'why (recorded in the rollout)');
  else command.option('--reason <text>', 'why (recorded in the rollout)');
  return command.action(async (name: string, flags: ActionFlags) => {
    const client = await connect(flags);
    const body = {
      ...(flags.by === undefined ? {} : { by: flags.by }),
      ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    };
    const response = await client.request('POST', client.resourcePath('rollouts', name, action), { body });
    process.stdout.write(
      flags.format === 'table'
        ? `rollout/${name} ${PAST[action]}\n`
        : formatDocument(response.body ?? { name, action }, flags.format),
    );
  });
}

const PAST: Record<Action, string> = { pause: 'paused', resume: 'resumed', approve: 'approved', abort: 'aborted' };

// ── events ───────────────────────────────────────────────────────────────────────────────────────────────────────

interface EventsFlags extends OutputFlags {
  after?: string;
  follow?: boolean;
  interval: string;
}

/** One stored event as the server lists it: an id to page on, and a RolloutEvent's fields. */
interface StoredEvent {
  id: number | string;
  type?: string;
  at?: string;
  host?: string;
  batch?: number;
  from?: string;
  to?: string;
  reason?: string;
  detail?: string;
  outcome?: string;
  /** An operator's action (pause, resume, approve, abort), by whom. */
  action?: string;
  by?: string;
  message?: string;
  [key: string]: unknown;
}

function eventsCommand(): Command {
  return controllerCommand('events')
    .description('list what happened in a rollout, oldest first; with --follow, keep printing until it ends')
    .argument('<name>', 'rollout name')
    .option('--after <id>', 'only events after this id')
    .option('-w, --follow', 'wait for new events until the rollout reaches a final phase')
    .option('--interval <seconds>', 'with --follow, seconds between polls', '2')
    .action(async (name: string, flags: EventsFlags) => {
      const interval = Number(flags.interval);
      if (!(interval > 0)) throw new PatchlineError('usage', `--interval ${flags.interval}`, 'expected seconds > 0');
      const client = await connect(flags);
      let after = flags.after;
      let header = flags.format === 'table';
      for (;;) {
        const events = await fetchEvents(client, name, after);
        if (flags.format === 'json') {
          // One JSON document per line when following, so a consumer can read them as they come.
          for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
        } else if (flags.format === 'yaml') {
          if (events.length > 0) process.stdout.write(formatDocument(events, 'yaml'));
        } else if (events.length > 0 || !flags.follow) {
          process.stdout.write(eventTable(events, header));
          header = false;
        }
        const last = events.at(-1);
        if (last !== undefined) after = String(last.id);
        if (!flags.follow) return;
        const rollout = (await client.get(client.resourcePath('rollouts', name))) as Rollout;
        if (rollout.status !== undefined && isFinalPhase(rollout.status.phase) && events.length === 0) {
          if (rollout.status.phase !== 'succeeded') throw failedRollout(rollout);
          return;
        }
        await sleep(interval * 1000);
      }
    });
}

interface WaitFlags extends OutputFlags {
  timeout?: string;
  interval: string;
}

function waitCommand(): Command {
  return controllerCommand('wait')
    .description(
      'wait until a rollout succeeds (exit 0) or fails: halted, rolling back, rolled back, aborted or blocked (exit 1)',
    )
    .argument('<name>', 'rollout name')
    .option('--timeout <duration>', 'give up after this long (e.g. 30m, 2h), exit 2')
    .option('--interval <seconds>', 'seconds between polls', '2')
    .action(async (name: string, flags: WaitFlags) => {
      const interval = Number(flags.interval);
      if (!(interval > 0)) throw new PatchlineError('usage', `--interval ${flags.interval}`, 'expected seconds > 0');
      const timeoutMs = flags.timeout === undefined ? undefined : tryParseDuration(flags.timeout);
      if (flags.timeout !== undefined && timeoutMs === undefined) {
        throw new PatchlineError('usage', `--timeout ${flags.timeout}`, 'expected a duration such as 30m, 4h or 1h30m');
      }
      const client = await connect(flags);
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      for (;;) {
        const rollout = (await client.get(client.resourcePath('rollouts', name))) as Rollout;
        const outcome = rolloutOutcome(rollout.status?.phase);
        if (outcome !== 'under-way') {
          process.stdout.write(printOne(ROLLOUT, rollout, flags.format));
          if (outcome === 'failed') throw failedRollout(rollout);
          return;
        }
        if (deadline !== undefined && Date.now() >= deadline) {
          throw new PatchlineError(
            'limit',
            `rollout ${name}`,
            `still ${rollout.status?.phase ?? 'new'} after --timeout ${flags.timeout}`,
          );
        }
        const pause = Math.min(
          interval * 1000,
          deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now(),
        );
        await sleep(Math.max(pause, 0));
      }
    });
}

export async function fetchEvents(client: ControllerClient, name: string, after?: string): Promise<StoredEvent[]> {
  const path = client.resourcePath('rollouts', name, 'events');
  const body = await client.get(path, { after });
  return (Array.isArray(body) ? body : listItems(body, 'event list', path)) as StoredEvent[];
}

function eventTable(events: StoredEvent[], header: boolean): string {
  const rows = events.map((event) => [
    String(event.id),
    event.at ?? '-',
    event.type ?? '-',
    event.host ?? (event.batch === undefined ? '-' : `batch ${event.batch}`),
    `${event.from ?? ''}${event.from === undefined && event.to === undefined ? (event.outcome ?? event.action ?? '-') : ` -> ${event.to ?? ''}`}`.trim(),
    [event.reason, event.detail ?? event.message, event.by === undefined ? undefined : `by ${event.by}`]
      .filter((part) => part !== undefined)
      .join(': ') || '-',
  ]);
  if (!header) return formatTable(['', '', '', '', '', ''], rows).split('\n').slice(1).join('\n');
  return formatTable(['ID', 'AT', 'TYPE', 'SUBJECT', 'CHANGE', 'WHY'], rows);
}
