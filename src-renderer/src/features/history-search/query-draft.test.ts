import { describe, expect, it } from 'vitest';
import { defaultExportFile, EMPTY_QUERY_DRAFT, toHistoryQuery } from './query-draft';

describe('the search form', () => {
  it('searches everything, newest first, when nothing is filled in', () => {
    expect(toHistoryQuery(EMPTY_QUERY_DRAFT)).toEqual({ ok: true, query: { filters: ['#'], order: 'newest' } });
  });

  it('turns every field into its criterion', () => {
    const result = toHistoryQuery({
      ...EMPTY_QUERY_DRAFT,
      filters: 'plant/+/temp, lab/#',
      since: 'last 15 min',
      until: '1767225600000',
      text: ' alarm ',
      regex: 'temp":\\s*9\\d',
      regexFlags: 'i',
      qos: [2, 1],
      retain: 'no',
      userKey: 'site',
      userValue: 'north',
      order: 'oldest',
      source: 'profile:lab',
    });
    expect(result).toEqual({
      ok: true,
      query: {
        filters: ['plant/+/temp', 'lab/#'],
        since: 'last 15 min',
        until: 1_767_225_600_000,
        text: 'alarm',
        regex: { pattern: 'temp":\\s*9\\d', flags: 'i' },
        qos: [1, 2],
        retain: false,
        userProperty: { key: 'site', value: 'north' },
        order: 'oldest',
        sources: ['profile:lab'],
      },
    });
  });

  it('names the field that is wrong', () => {
    expect(toHistoryQuery({ ...EMPTY_QUERY_DRAFT, regex: '(' })).toMatchObject({ ok: false, field: 'regex' });
    expect(toHistoryQuery({ ...EMPTY_QUERY_DRAFT, qos: [] })).toMatchObject({ ok: false, field: 'qos', message: 'Tick at least one QoS.' });
    expect(toHistoryQuery({ ...EMPTY_QUERY_DRAFT, userValue: 'x' })).toMatchObject({ ok: false, field: 'userKey' });
  });

  it('suggests an export file in the store’s folder', () => {
    const at = new Date('2026-12-07T03:04:05.678Z');
    expect(defaultExportFile('/home/me/.config/Topiary/history/history.db', 'csv', at)).toBe('/home/me/.config/Topiary/history/export-2026-12-07T03-04-05.csv');
    expect(defaultExportFile('C:\\Users\\me\\Topiary\\history\\history.db', 'ndjson', at)).toBe('C:\\Users\\me\\Topiary\\history\\export-2026-12-07T03-04-05.ndjson');
  });
});
