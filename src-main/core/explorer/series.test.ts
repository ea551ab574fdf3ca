import { describe, expect, it } from 'vitest';
import { MessageHistory } from './history';
import { joinFieldPath, numberAt, numericFields, parseFieldPath, seriesFromHistory } from './series';

const enc = new TextEncoder();

function historyOf(...payloads: string[]): MessageHistory {
  const history = new MessageHistory();
  payloads.forEach((p, i) => history.record(1, { topic: 't', payload: enc.encode(p), qos: 0, retain: false, receivedAt: 1_000 + i * 10 }));
  return history;
}

describe('seriesFromHistory', () => {
  it('reads payloads that are plain numbers, skipping ones that are not', () => {
    const series = seriesFromHistory(historyOf('21.5', ' 22 ', 'n/a', '-3e2', 'true', ''), 1, { kind: 'payload' });
    expect(series.points).toEqual([
      { t: 1_000, v: 21.5 },
      { t: 1_010, v: 22 },
      { t: 1_030, v: -300 },
      { t: 1_040, v: 1 },
    ]);
    expect(series.skipped).toBe(2);
  });

  it('reads a numeric JSON field by path', () => {
    const history = historyOf(
      '{"sensors":[{"temp":20.5}]}',
      '{"sensors":[{"temp":"21"}]}',
      '{"sensors":[]}',
      'not json',
      '{"sensors":[{"temp":23}]}',
    );
    const series = seriesFromHistory(history, 1, { kind: 'json', path: 'sensors.0.temp' });
    expect(series.points).toEqual([
      { t: 1_000, v: 20.5 },
      { t: 1_010, v: 21 },
      { t: 1_040, v: 23 },
    ]);
    expect(series.skipped).toBe(2);
  });

  it('returns an empty series for a topic with no history', () => {
    expect(seriesFromHistory(new MessageHistory(), 9, { kind: 'payload' })).toEqual({ points: [], skipped: 0 });
  });
});

describe('numberAt', () => {
  it('follows bracketed, quoted and numeric-key paths', () => {
    const payload = enc.encode('{"a.b":{"list":[1,{"x":7}]},"m":{"0":5}}');
    expect(numberAt(payload, { kind: 'json', path: '["a.b"].list[1].x' })).toBe(7);
    expect(numberAt(payload, { kind: 'json', path: 'm.0' })).toBe(5);
    expect(numberAt(payload, { kind: 'json', path: 'm.1' })).toBeUndefined();
    expect(numberAt(payload, { kind: 'json', path: '["a.b"].list' })).toBeUndefined();
  });

  it('rejects non-finite values', () => {
    expect(numberAt(enc.encode('Infinity'), { kind: 'payload' })).toBeUndefined();
    expect(numberAt(enc.encode('NaN'), { kind: 'payload' })).toBeUndefined();
  });
});

describe('parseFieldPath', () => {
  it('splits dotted and bracketed paths', () => {
    expect(parseFieldPath('sensors.0.temp')).toEqual(['sensors', '0', 'temp']);
    expect(parseFieldPath('sensors[0].temp')).toEqual(['sensors', '0', 'temp']);
    expect(parseFieldPath('["a\\"b"].c')).toEqual(['a"b', 'c']);
  });
});

describe('numericFields', () => {
  it('lists the numeric fields of the newest JSON payloads, newest first, each path readable by numberAt', () => {
    const history = historyOf(
      '{"old":1,"temp":{"c":20}}',
      'not json',
      '42',
      '{"temp":{"c":21.5,"unit":"C"},"ok":true,"sensors":[{"v":3}],"odd.key":7,"label":"9","none":null}',
    );
    const fields = numericFields(history, 1);
    expect(fields).toEqual(['temp.c', 'sensors.0.v', '["odd.key"]', 'old']);
    const newest = enc.encode('{"temp":{"c":21.5},"sensors":[{"v":3}],"odd.key":7}');
    expect(fields.slice(0, 3).map((path) => numberAt(newest, { kind: 'json', path }))).toEqual([21.5, 3, 7]);
  });

  it('looks only at the newest ten payloads and offers at most 200 fields', () => {
    const history = historyOf('{"ancient":1}', ...Array.from({ length: 10 }, (_, i) => `{"n${i}":${i}}`));
    expect(numericFields(history, 1)).not.toContain('ancient');
    const wide = historyOf(JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))));
    expect(numericFields(wide, 1)).toHaveLength(200);
  });

  it('is empty for a topic without JSON numbers', () => {
    expect(numericFields(historyOf('21.5', 'on', '{"state":"on"}'), 1)).toEqual([]);
    expect(numericFields(new MessageHistory(), 1)).toEqual([]);
  });
});

describe('joinFieldPath', () => {
  it('round-trips through parseFieldPath, quoting keys with dots, brackets or quotes', () => {
    for (const segments of [['a', 'b', '0'], ['odd.key', 'x'], ['with [bracket]'], ['say "hi"', 'v']]) {
      expect(parseFieldPath(joinFieldPath(segments))).toEqual(segments);
    }
  });
});
