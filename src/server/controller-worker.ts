import { parentPort, workerData } from 'node:worker_threads';
import { hostsToWake } from '../fleet/index.js';
import { Store } from '../store/index.js';
import { createController } from './controller.js';
import type { DeciderThreadOptions, FromDecider, ToDecider } from './controller-thread.js';

/**
 * The decider's own thread (see controller-thread.ts): its own connection to the store, the controller loop, and
 * messages to and from the thread that serves requests.
 */
const port = parentPort;
if (port === null) throw new Error('controller-worker.js runs as a worker thread');
const options = workerData as DeciderThreadOptions;
const send = (message: FromDecider): void => port.postMessage(message);
const log = {
  info: (object: object, message: string) => send({ type: 'log', level: 'info', object, message }),
  warn: (object: object, message: string) => send({ type: 'log', level: 'warn', object: plain(object), message }),
  error: (object: object, message: string) => send({ type: 'log', level: 'error', object: plain(object), message }),
};

const store = await Store.open(options.location);
let leader = false;
const controller = createController({
  store,
  clock: Date.now,
  tickMs: options.tickMs,
  nudgeDelayMs: options.nudgeDelayMs,
  leaseMs: options.leaseMs,
  identity: options.identity,
  log,
  onDecision: (_rollout, decision) => {
    const wake = hostsToWake(decision);
    send({ type: 'wake', hosts: wake === 'all' ? 'all' : [...wake] });
  },
  onTick: (result) => {
    if (result.leader !== leader) {
      leader = result.leader;
      send({ type: 'leader', leader });
    }
  },
});

port.on('message', (message: ToDecider) => {
  switch (message.type) {
    case 'nudge':
      controller.nudge(message.fleet);
      break;
    case 'tick':
      controller.tick(message.fleets === 'all' ? 'all' : new Set(message.fleets)).then(
        (result) => send({ type: 'ticked', id: message.id, result }),
        (error: unknown) => send({ type: 'ticked', id: message.id, error: String(error) }),
      );
      break;
    case 'start':
      controller.start();
      break;
    case 'stop':
      controller
        .stop()
        .then(() => store.close())
        .finally(() => send({ type: 'stopped' }));
      break;
  }
});
send({ type: 'ready' });

/** Errors do not cross threads as they are: their message and stack do. */
function plain(object: object): object {
  const { err, ...rest } = object as { err?: unknown };
  return err instanceof Error ? { ...rest, err: { message: err.message, stack: err.stack } } : object;
}
