/**
 * Values go into generated scripts as single-quoted shell words: inside single quotes nothing is special except the
 * quote itself, which is closed, escaped and reopened. This holds for sh, dash and bash alike.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell word cannot hold a NUL byte');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
