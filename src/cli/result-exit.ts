/**
 * Exit 1 is a result, not a failure (docs/decisions/0006-exit-codes.md): a scan found what --fail-on names, a gate
 * failed its policy. The command has already written its report; main() prints this one line on stderr, as grype
 * prints its threshold message, without calling it an error.
 */
export class ResultExit extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'ResultExit';
  }
}
