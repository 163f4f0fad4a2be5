import { gatewayImage, type HostFilesOptions } from './host-options.js';
import { ENABLED_UNITS } from './systemd-units.js';

/**
 * The lines a user adds to the bootc image's Containerfile. COPY keeps the files' modes, so the scripts stay
 * executable; the units are enabled at build time, as bootc images enable everything (no first-boot presets).
 * The JSON form of COPY keeps any folder name one argument.
 */
export function containerfileSnippet(options: HostFilesOptions, outName: string): string {
  return `# Patchline: agentless host files for fleet ${options.fleet} at ${options.controller.url}.
# Add these lines to your bootc image's Containerfile, with the folder ${outName}/ inside the build context.
# Hosts then track ${gatewayImage(options)} (bootc switch, or bootc install --target-imgref).
# greenboot judges each boot and must be in the image; on Fedora and CentOS Stream:
#   RUN dnf -y install greenboot greenboot-default-health-checks && systemctl enable greenboot-healthcheck.service
COPY ${JSON.stringify([`${outName}/rootfs/`, '/'])}
RUN systemctl enable ${ENABLED_UNITS.join(' ')}
`;
}
