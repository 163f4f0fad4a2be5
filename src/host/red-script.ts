import { scriptHeader } from './script-header.js';

/**
 * greenboot red.d entry: the boot failed its required checks. It reports the failed check names (from the check
 * runner; "greenboot" when a required check of someone else failed) before greenboot reboots, and always exits 0.
 */
export function redScript(): string {
  return `${scriptHeader('Patchline: greenboot red.d entry that reports an unhealthy boot and its failed checks.', ['run', 'lib'])}
json_string() {
  printf '"%s"' "$(printf '%s' "$1" | tr -d '\\000-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')"
}

names=
if [ -s "$run_dir/failed-checks" ]; then
  while IFS= read -r name || [ -n "$name" ]; do
    if [ -n "$name" ]; then
      names="\${names:+$names,}$(json_string "$name")"
    fi
  done <"$run_dir/failed-checks"
fi
if [ -z "$names" ]; then
  # None of the Patchline checks failed, so another greenboot required check did.
  names='"greenboot"'
fi

mkdir -p "$run_dir" || exit 0
verdict=$(mktemp "$run_dir/health.XXXXXX") || exit 0
printf '{"state":"unhealthy","failedChecks":[%s]}\\n' "$names" >"$verdict"
chmod 644 "$verdict"
mv -f "$verdict" "$run_dir/health.json"
if ! "$lib_dir/report.sh"; then
  log "the unhealthy boot was not reported now; patchline-status.timer reports it if the host stays up"
fi
exit 0
`;
}
