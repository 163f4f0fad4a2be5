import { join } from 'node:path';
import { run, sha256 } from './gateway.js';
import { HttpBootcHost, type HttpHostOptions } from './http-bootc-host.js';
import { tempDir } from './tmp.js';

/**
 * A simulated bootc host whose only source of instructions is the registry gateway: each timer run it asks for the
 * fleet's tag with skopeo (as bootc's `upgrade --check` reads the manifest), and, when it pulls whole images, copies
 * the image it is told about before staging it. The host API is used only to report, as the host hooks do.
 */
export class GatewayBootcHost extends HttpBootcHost {
  readonly pullFailures: string[] = [];
  /** Digests whose whole image this host copied, and where. */
  readonly copied = new Map<string, string>();

  constructor(
    server: string,
    private readonly gateway: string,
    private readonly fullPull: boolean,
    options: HttpHostOptions,
    /** The fleet whose gateway repository it pulls, fleets/FLEET/os. */
    private readonly fleet = 'e2e',
  ) {
    super(server, options);
  }

  override async pollDesired(): Promise<void> {
    const reference = `docker://${this.gateway}/fleets/${this.fleet}/os:latest`;
    const creds = `${this.name}:${this.credential}`;
    const inspected = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', creds, reference]);
    if (inspected.status !== 0) {
      // bootc keeps its image when the registry fails; the next timer run asks again.
      this.pullFailures.push(inspected.stderr.trim());
      return;
    }
    const digest = sha256(inspected.stdout);
    if (this.fullPull && digest !== this.host.booted && !this.copied.has(digest)) {
      const dir = join(await tempDir('patchline-host-pull-'), 'image');
      const copied = await run('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--src-creds',
        creds,
        `docker://${this.gateway}/fleets/${this.fleet}/os@${digest}`,
        `oci:${dir}:staged`,
      ]);
      if (copied.status !== 0) {
        this.pullFailures.push(copied.stderr.trim());
        return;
      }
      this.copied.set(digest, dir);
    }
    this.desired = { version: digest, image: `fleets/${this.fleet}/os@${digest}`, digest };
  }
}
