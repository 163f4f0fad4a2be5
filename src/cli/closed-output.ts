import { constants } from 'node:os';

/**
 * When the reader of stdout or stderr goes away early (`patchline scan --help | head`), end the command the way the
 * shell expects of `cat` in the same place: at once, without a stack trace, with the status of a process killed by
 * SIGPIPE (141). Node ignores SIGPIPE, so the closed pipe surfaces as an EPIPE error event on the stream instead.
 */
export function endQuietlyWhenOutputCloses(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(128 + constants.signals.SIGPIPE);
    });
  }
}
