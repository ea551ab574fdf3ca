import { describe, expect, it } from 'vitest';
import { MessageHistory } from './history';
import { numberAt, parseFieldPath, seriesFromHistory } from './series';

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
