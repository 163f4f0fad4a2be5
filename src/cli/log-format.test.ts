import { describe, expect, it } from 'vitest';
import { defaultLogFormat, formatLogLine } from './log-format.js';

describe('formatLogLine', () => {
  const time = Date.UTC(2026, 11, 7, 18, 30, 1, 123);

  it('prints time, level and message, then the fields flattened, pid and hostname left out', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 42,
      hostname: 'ctl',
      reqId: 'req-1',
      req: { method: 'POST', url: '/apis/patchline.dev/v1/fleets' },
      responseTime: 3.5,
      msg: 'request completed',
    });
    expect(formatLogLine(line)).toBe(
      '2026-12-07T18:30:01.123Z INFO  request completed reqId=req-1 req.method=POST req.url=/apis/patchline.dev/v1/fleets responseTime=3.5\n',
    );
  });

  it("quotes values with spaces, shows control characters escaped, and puts an error's stack below", () => {
    const line = JSON.stringify({
      level: 50,
      time,
      msg: 'request failed',
      host: 'bad\u001b[2Jname',
      note: 'two words',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at serve (serve.js:1:1)' },
    });
    expect(formatLogLine(line)).toBe(
      '2026-12-07T18:30:01.123Z ERROR request failed host=bad\\x1b[2Jname note="two words"\n' +
        '    Error: boom\n' +
        '        at serve (serve.js:1:1)\n',
    );
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text')).toBe('plain text\n');
  });

  it('is text on a terminal and JSON for anything else', () => {
    expect(defaultLogFormat({ isTTY: true })).toBe('text');
    expect(defaultLogFormat({ isTTY: false })).toBe('json');
    expect(defaultLogFormat({})).toBe('json');
  });
});
