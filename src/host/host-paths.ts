/**
 * Where the generated files live on a host. Everything the image carries goes under /usr/lib, which an image update
 * replaces as a whole; /etc holds only what belongs to one host (its credential, its enrollment token) and the
 * user's checks, which bootc's three-way /etc merge keeps across updates.
 */
export const HOST_PATHS = {
  lib: '/usr/lib/patchline',
  report: '/usr/lib/patchline/report.sh',
  enroll: '/usr/lib/patchline/enroll.sh',
  checkRunner: '/usr/lib/greenboot/check/required.d/50-patchline-checks.sh',
  green: '/usr/lib/greenboot/green.d/50-patchline-healthy.sh',
  red: '/usr/lib/greenboot/red.d/50-patchline-unhealthy.sh',
  statusService: '/usr/lib/systemd/system/patchline-status.service',
  statusTimer: '/usr/lib/systemd/system/patchline-status.timer',
  enrollService: '/usr/lib/systemd/system/patchline-enroll.service',
  updateTimerDropIn: '/usr/lib/systemd/system/bootc-fetch-apply-updates.timer.d/50-patchline.conf',
  updateServiceDropIn: '/usr/lib/systemd/system/bootc-fetch-apply-updates.service.d/50-patchline.conf',
  registriesConf: '/etc/containers/registries.conf.d/50-patchline.conf',
  etc: '/etc/patchline',
  checks: '/etc/patchline/checks.d',
  credential: '/etc/patchline/credential',
  hostName: '/etc/patchline/host-name',
  enrollmentToken: '/etc/patchline/enrollment-token',
  ostreeAuth: '/etc/ostree/auth.json',
  /** Per boot (tmpfs): greenboot's verdict and the names of the checks that failed. */
  run: '/run/patchline',
} as const;
