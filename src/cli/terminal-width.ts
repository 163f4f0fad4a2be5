/**
 * The width a table written to `file` (stdout when undefined or `-`) should fit: $COLUMNS when set to a positive
 * number (as `ls` reads it), else the terminal's when stdout is one; undefined (no limit) for files and pipes, so
 * `grep` and scripts see whole rows. An unusable $COLUMNS is ignored rather than failing a scan over display.
 */
export function outputWidth(
  file: string | undefined,
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  if (file !== undefined && file !== '-') return undefined;
  const columns = env.COLUMNS?.trim();
  if (columns !== undefined && /^[1-9]\d*$/.test(columns)) return Number(columns);
  return stdout.isTTY && stdout.columns ? stdout.columns : undefined;
}
