import { describe, expect, it } from 'vitest';
import { changesSince, parseChangeList } from './change-list.js';

describe('change lists', () => {
  it("reads Red Hat's quoted `path,time` lines and OSV's `time,id` lines", () => {
    const redhat = parseChangeList(
      '"2021/cve-2021-47265.json","2024-11-08T18:28:22+00:00"\r\n"2021/cve-2021-1.json","2024-11-07T00:00:00+00:00"\n',
      'key-first',
      () => true,
    );
    expect(redhat.changes.map((c) => [c.key, c.time])).toEqual([
      ['2021/cve-2021-47265.json', Date.parse('2024-11-08T18:28:22Z')],
      ['2021/cve-2021-1.json', Date.parse('2024-11-07T00:00:00Z')],
    ]);
    const osv = parseChangeList('2024-08-15T00:00:00Z,ALSA-2024:0001\n', 'time-first', () => true);
    expect(osv.changes).toEqual([
      { key: 'ALSA-2024:0001', time: Date.parse('2024-08-15T00:00:00Z'), written: '2024-08-15T00:00:00Z' },
    ]);
  });

  it('rejects lines with a bad time, a key the feed does not use, or the wrong shape, naming the line', () => {
    const list = parseChangeList(
      'yesterday,ALSA-1\n2024-01-01T00:00:00Z,../x\n2024-01-01T00:00:00Z\n2024-01-01T00:00:00Z,ok\n',
      'time-first',
      (key) => !key.includes('/'),
    );
    expect(list.changes.map((c) => c.key)).toEqual(['ok']);
    expect(list.rejected).toEqual([
      'line 1: "yesterday" is not an ISO 8601 time',
      'line 2: "../x" is not a name this feed uses',
      'line 3: expected two fields',
    ]);
  });

  it('gives each key changed after a time once, and the newest time of the whole list', () => {
    const list = parseChangeList(
      '2024-03-01T00:00:00Z,A\n2024-02-01T00:00:00Z,B\n2024-02-15T00:00:00Z,A\n2024-01-01T00:00:00Z,C\n',
      'time-first',
      () => true,
    );
    expect(changesSince(list, '2024-01-15T00:00:00.000Z')).toEqual({
      keys: ['A', 'B'],
      newest: '2024-03-01T00:00:00.000Z',
    });
    expect(changesSince(list, undefined).keys).toEqual(['A', 'B', 'C']);
    expect(changesSince(list, '2024-03-01T00:00:00.000Z').keys).toEqual([]);
    expect(
      changesSince(
        parseChangeList('', 'time-first', () => true),
        undefined,
      ),
    ).toEqual({ keys: [] });
  });
});
