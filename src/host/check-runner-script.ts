import { scriptHeader } from './script-header.js';

/**
 * greenboot check/required.d entry: runs every executable in /etc/patchline/checks.d (in name order, each with a
 * time limit) and fails the boot when any of them fails. The names of the failed checks are kept in /run for red.d.
 */
export function checkRunnerScript(): string {
  return `${scriptHeader("Patchline: greenboot required check that runs the user's checks in /etc/patchline/checks.d.", ['etc', 'run'])}
checks_dir=\${PATCHLINE_CHECKS:-$etc_dir/checks.d}
check_timeout=\${PATCHLINE_CHECK_TIMEOUT:-300}

mkdir -p "$run_dir" || exit 1
failed=$(mktemp "$run_dir/failed-checks.XXXXXX") || exit 1
verdict=0
ran=0
for check in "$checks_dir"/*; do
  if [ ! -f "$check" ] || [ ! -x "$check" ]; then
    continue
  fi
  # The name travels to the controller as a failed check; keep it to one printable line.
  name=$(printf '%s' "\${check##*/}" | tr -c '[:print:]' '?')
  ran=$((ran + 1))
  if timeout "$check_timeout" "$check" </dev/null; then
    log "check $name passed"
  else
    status=$?
    if [ "$status" -eq 124 ]; then
      log "check $name timed out after \${check_timeout}s"
    else
      log "check $name failed (exit $status)"
    fi
    printf '%s\\n' "$name" >>"$failed"
    verdict=1
  fi
done
mv -f "$failed" "$run_dir/failed-checks"
log "$ran checks ran from $checks_dir"
exit "$verdict"
`;
}
