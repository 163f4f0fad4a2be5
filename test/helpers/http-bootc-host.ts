import { SimulatedHost, type SimulatedHostOptions } from './bootc-host-simulator.js';

/**
 * A simulated bootc host that talks to a real `patchline serve` over HTTP, as the Patchline host hooks would:
 * enroll with a one-time token, poll /host/v1/desired, report `bootc status --format=json` and greenboot's verdict
 * to /host/v1/status, and (when it uses FleetLock, as Zincati does) take a reboot slot before rebooting and give it
 * back once up. Times are real milliseconds: the server reads its own clock.
 */

export interface HttpHostOptions extends SimulatedHostOptions {
  /** The FleetLock group it locks in; no FleetLock when unset. */
  fleetLockGroup?: string;
}

/** The controller's answer; digest and image are null when nothing speaks for the host (it keeps what it runs). */
export interface Desired {
  version: string;
  image: string | null;
  digest: string | null;
}

export class HttpBootcHost {
  readonly host: SimulatedHost;
  readonly server: string;
  credential: string | undefined;
  /** The controller's latest answer, and the version it carried (sent back as knownVersion). */
  desired: Desired | undefined;
  /** Every call it made that failed, for the test to assert there were none (or the ones it expects). */
  readonly failures: string[] = [];
  private readonly group: string | undefined;

  constructor(server: string, options: HttpHostOptions) {
    this.server = server.replace(/\/+$/, '');
    this.host = new SimulatedHost(options);
    this.group = options.fleetLockGroup;
  }

  get name(): string {
    return this.host.name;
  }

  async enroll(token: string): Promise<void> {
    const response = await fetch(`${this.server}/host/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: this.host.name, labels: this.host.labels }),
    });
    const body = (await response.json()) as { name?: string; credential?: string; message?: string };
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`enroll ${this.host.name}: ${response.status} ${body.message ?? ''}`);
    }
    if (typeof body.credential !== 'string') throw new Error(`enroll ${this.host.name}: no credential`);
    this.credential = body.credential;
  }

  /** One run of the host's update timer. */
  async tick(now = Date.now()): Promise<void> {
    const state = this.host.wake(now);
    if (state === 'offline' || state === 'rebooting') return;
    if (state === 'just-booted' && this.group !== undefined) await this.fleetLock('steady-state');
    if (this.host.follows) {
      await this.pollDesired();
      this.host.follow(this.desired?.digest ?? undefined, now);
    }
    await this.report(now);
    if (this.host.follows && this.host.staged !== undefined && (await this.mayReboot())) {
      this.host.startReboot(now);
    }
  }

  async report(now = Date.now()): Promise<void> {
    const report = this.host.report(now);
    if (report === undefined) return;
    const response = await this.call('POST', '/host/v1/status', { bootc: report.bootc, health: report.health });
    if (response !== undefined && response.status !== 204 && response.status !== 200) {
      this.failures.push(`status: ${response.status} ${await response.text()}`);
    }
  }

  async pollDesired(waitSeconds = 0): Promise<void> {
    const query = new URLSearchParams({ wait: String(waitSeconds) });
    if (this.desired !== undefined) query.set('knownVersion', this.desired.version);
    const response = await this.call('GET', `/host/v1/desired?${query}`);
    if (response === undefined || response.status === 204) return;
    if (response.status !== 200) {
      this.failures.push(`desired: ${response.status} ${await response.text()}`);
      return;
    }
    this.desired = (await response.json()) as Desired;
  }

  private async mayReboot(): Promise<boolean> {
    return this.group === undefined || (await this.fleetLock('pre-reboot'));
  }

  /** FleetLock as Zincati speaks it; true on 200. */
  async fleetLock(operation: 'pre-reboot' | 'steady-state'): Promise<boolean> {
    try {
      const response = await fetch(`${this.server}/v1/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'fleet-lock-protocol': 'true' },
        body: JSON.stringify({ client_params: { id: this.host.name, group: this.group ?? 'default' } }),
      });
      await response.arrayBuffer();
      return response.status === 200;
    } catch (error) {
      this.failures.push(`${operation}: ${(error as Error).message}`);
      return false;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response | undefined> {
    if (this.credential === undefined) throw new Error(`${this.host.name} is not enrolled`);
    try {
      return await fetch(`${this.server}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.credential}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      // The controller may be down on purpose (the crash test); the host retries on its next run.
      this.failures.push(`${method} ${path}: ${(error as Error).message}`);
      return undefined;
    }
  }
}

/** Runs every host's timer every `intervalMs` until stopped; one slow tick never overlaps the next. */
export function runHosts(hosts: readonly HttpBootcHost[], intervalMs: number): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await Promise.all(hosts.map((host) => host.tick(started)));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
