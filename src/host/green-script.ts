import { scriptHeader } from './script-header.js';

/**
 * greenboot green.d entry: the boot is healthy. It records the verdict for the periodic reports and reports now.
 * It always exits 0: an unreachable controller must never count against a boot.
 */
export function greenScript(): string {
  return `${scriptHeader('Patchline: greenboot green.d entry that reports a healthy boot to the controller.', ['run', 'lib'])}
mkdir -p "$run_dir" || exit 0
verdict=$(mktemp "$run_dir/health.XXXXXX") || exit 0
printf '{"state":"healthy"}\\n' >"$verdict"
chmod 644 "$verdict"
mv -f "$verdict" "$run_dir/health.json"
if ! "$lib_dir/report.sh"; then
  log "the healthy boot was not reported now; patchline-status.timer reports it later"
fi
exit 0
`;
}
