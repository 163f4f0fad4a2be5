import type { HostFilesOptions } from './host-options.js';
import { postJsonFunction } from './post-json-function.js';
import { NOT_SECRET_PATTERN, scriptHeader, workDirectory } from './script-header.js';
import { shellQuote } from './shell-quote.js';

/**
 * /usr/lib/patchline/report.sh: POSTs `bootc status --format=json`, with greenboot's verdict on this boot when there
 * is one, to the controller's host report endpoint. green.d, red.d and the status timer all report through it, so
 * the verdict is repeated with every periodic report and a report lost at boot is made good a minute later.
 */
export function reportScript(options: HostFilesOptions): string {
  return `${scriptHeader("Patchline: report this host's bootc status and boot health to the controller.", ['etc', 'run'])}
controller=${shellQuote(options.controller.url)}

${postJsonFunction()}
credential_file=$etc_dir/credential
if [ ! -s "$credential_file" ]; then
  log "not enrolled yet (no $credential_file); nothing reported"
  exit 1
fi
credential=$(cat "$credential_file")
case $credential in
  '' | ${NOT_SECRET_PATTERN})
    log "$credential_file does not hold a host credential; nothing reported"
    exit 1
    ;;
esac

${workDirectory('report')}
printf 'header = "Authorization: Bearer %s"\\n' "$credential" >"$work/curl.conf"

if ! bootc status --format=json >"$work/bootc.json"; then
  log "bootc status --format=json failed; nothing reported"
  exit 1
fi
health=
if [ -s "$run_dir/health.json" ]; then
  health=" with this boot's health"
fi
{
  printf '{"bootc":'
  cat "$work/bootc.json"
  if [ -n "$health" ]; then
    printf ',"health":'
    cat "$run_dir/health.json"
  fi
  printf '}\\n'
} >"$work/body.json"

if post_json "$controller/host/v1/status" "$work/body.json" "$work/answer" "$work/curl.conf"; then
  log "reported bootc status$health to $controller"
  exit 0
fi
log "could not report to $controller (HTTP $post_code, attempt $attempt of $attempts): $(head -c 300 "$work/answer" 2>/dev/null)"
exit 1
`;
}
