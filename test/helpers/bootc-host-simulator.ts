/**
 * A simulated bootc host, for the pure fleet simulation and for end-to-end tests against a real `patchline serve`.
 *
 * It behaves like a bootc host with greenboot and the Patchline host hooks: it asks the controller which digest to
 * run, stages it (bootc switch), reboots into it when allowed (reboot window, FleetLock slot), and, if the new image
 * fails its health checks, greenboot boots the previous deployment again. It reports `bootc status --format=json`
 * shaped as the real one prints it (see ../shared/fixtures/bootc/spec-*.yaml and host-v1.schema.json).
 */

import type { BootcHost, HostHealth, HostReport } from '../../src/fleet/index.js';

const MIN = 60_000;

export interface SimulatedHostOptions {
  name: string;
  labels: Record<string, string>;
  booted: string;
  /** The repository the host follows, as bootc shows it in spec.image and each deployment's image reference. */
  repository?: string;
  /** Images whose boot fails its health checks here. */
  sickImages?: ReadonlySet<string>;
  /** Whether greenboot takes a failed boot back to the previous deployment (otherwise it stays up, unhealthy). */
  greenboot?: boolean;
  /** bootc marks its deployment incompatible: it cannot follow the controller. */
  incompatible?: boolean;
  /** Enrolled, but it never manages to report. */
  silent?: boolean;
  /** When it is powered off or cut off. */
  offline?: (now: number) => boolean;
  /** When it is enrolled, if after the rollout started. */
  joinsAt?: number;
  downloadMs?: number;
  rebootMs?: number;
}

/** The controller as a host sees it: the desired-state answer (or registry gateway), and a FleetLock server. */
export interface ControllerForHosts {
  desiredDigest(host: SimulatedHost, now: number): string | undefined;
  mayReboot(host: SimulatedHost, now: number): boolean;
  steadyState(host: SimulatedHost, now: number): void;
}

/** Where a host is at the start of a timer run. */
export type WakeState = 'offline' | 'rebooting' | 'just-booted' | 'up';

export class SimulatedHost {
  readonly name: string;
  readonly labels: Record<string, string>;
  booted: string;
  staged: string | undefined;
  rollback: string | undefined;
  health: HostHealth = { state: 'healthy' };
  /** Every image it ever booted, and when it rebooted: for the tests' own checks. */
  readonly bootedImages = new Set<string>();
  readonly reboots: Array<{ at: number; upAt: number }> = [];
  private download: { digest: string; readyAt: number } | undefined;
  private upAt: number | undefined;
  private readonly options: SimulatedHostOptions;

  constructor(options: SimulatedHostOptions) {
    this.options = options;
    this.name = options.name;
    this.labels = options.labels;
    this.booted = options.booted;
    this.bootedImages.add(options.booted);
  }

  /** When it is enrolled with the controller. */
  get joinsAt(): number {
    return this.options.joinsAt ?? Number.NEGATIVE_INFINITY;
  }

  /** Whether it follows the controller at all (an incompatible or silent host only sits there). */
  get follows(): boolean {
    return !this.options.incompatible && !this.options.silent;
  }

  /** Up and connected: it polls and reports. */
  reachable(now: number): boolean {
    return !this.options.offline?.(now) && (this.upAt === undefined || now >= this.upAt);
  }

  /** One run of the host's update timer, against a controller that answers at once. */
  tick(now: number, controller: ControllerForHosts): void {
    const state = this.wake(now);
    if (state === 'offline' || state === 'rebooting') {
      return;
    }
    if (state === 'just-booted') {
      // Zincati-style: once up, give the reboot slot back.
      controller.steadyState(this, now);
    }
    if (!this.follows) {
      return;
    }
    this.follow(controller.desiredDigest(this, now), now);
    if (this.staged !== undefined && controller.mayReboot(this, now)) {
      this.startReboot(now);
    }
  }

  /** The first part of a timer run: a reboot that is over finishes (and greenboot judges the boot). */
  wake(now: number): WakeState {
    if (this.options.offline?.(now)) {
      return 'offline';
    }
    if (this.upAt === undefined) {
      return 'up';
    }
    if (now < this.upAt) {
      return 'rebooting';
    }
    this.upAt = undefined;
    this.finishBoot();
    return 'just-booted';
  }

  /** bootc switch toward what the controller wants: download, then stage; or drop a staged image no longer wanted. */
  follow(desired: string | undefined, now: number): void {
    if (desired === this.booted) {
      // Asked to stay: a staged deployment that is no longer wanted is dropped (bootc switch to the booted image).
      this.staged = undefined;
      this.download = undefined;
    } else if (desired !== undefined && this.staged !== desired) {
      if (this.download?.digest !== desired) {
        this.download = { digest: desired, readyAt: now + (this.options.downloadMs ?? 5 * MIN) };
      }
      if (now >= this.download.readyAt) {
        this.staged = desired;
        this.download = undefined;
      }
    }
  }

  startReboot(now: number): void {
    this.upAt = now + (this.options.rebootMs ?? 5 * MIN);
    this.reboots.push({ at: now, upAt: this.upAt });
  }

  private finishBoot(): void {
    const next = this.staged ?? this.booted;
    this.rollback = this.booted;
    this.booted = next;
    this.staged = undefined;
    this.bootedImages.add(next);
    if (!this.options.sickImages?.has(next)) {
      this.health = { state: 'healthy' };
    } else if (this.options.greenboot ?? true) {
      // greenboot's red boot: the boot counter runs out and the previous deployment boots again; the failed one
      // stays in the rollback slot.
      [this.booted, this.rollback] = [this.rollback, this.booted];
      this.health = { state: 'healthy' };
    } else {
      this.health = { state: 'unhealthy', failedChecks: ['app.service'] };
    }
  }

  /** `bootc status --format=json` as bootc 1.x prints it. */
  bootcStatus(): BootcHost {
    const repository = this.options.repository ?? 'quay.io/example/os';
    const entry = (imageDigest: string | undefined) =>
      imageDigest === undefined
        ? null
        : {
            image: {
              image: { image: `${repository}:stable`, transport: 'registry', signature: 'containerPolicy' },
              version: null,
              timestamp: null,
              imageDigest,
            },
            cachedUpdate: null,
            incompatible: this.options.incompatible ?? false,
            pinned: false,
            store: 'ostreeContainer',
            ostree: { checksum: imageDigest.slice(7), deploySerial: 0 },
          };
    return {
      apiVersion: 'org.containers.bootc/v1',
      kind: 'BootcHost',
      metadata: { name: 'host' },
      spec: { image: { image: `${repository}:stable`, transport: 'registry' }, bootOrder: 'default' },
      status: {
        staged: entry(this.staged),
        booted: entry(this.booted),
        rollback: entry(this.rollback),
        rollbackQueued: false,
        type: 'bootcHost',
      },
    };
  }

  report(now: number): HostReport | undefined {
    if (!this.reachable(now) || this.options.silent) {
      return undefined;
    }
    return { receivedAt: new Date(now).toISOString(), bootc: this.bootcStatus(), health: this.health };
  }
}
