import type { HistoryQuery } from '../../../shared/ipc/history';
import { TopiaryError } from '../../../shared/ipc/errors';
import { parseTimeSpec } from '../../../shared/history/time-spec';
import { findNestedQuantifier } from '../explorer/filters';
import type { StoreQuery } from './history-store';

/** A search as the store runs it: times resolved against `now`, the regular expression compiled and checked. */
export function resolveQuery(query: HistoryQuery, now: number): StoreQuery {
  const time = (spec: string | number | undefined, field: string): number | undefined => {
    if (spec === undefined) return undefined;
    const parsed = parseTimeSpec(spec, now);
    if (!parsed.ok) throw new TopiaryError('VALIDATION_ERROR', parsed.message, { field });
    return parsed.at;
  };
  const since = time(query.since, 'since');
  const until = time(query.until, 'until');
  if (since !== undefined && until !== undefined && since > until) {
    throw new TopiaryError('VALIDATION_ERROR', 'The search starts after it ends: "since" must be before "until".', { field: 'since' });
  }
  let regex: RegExp | undefined;
  if (query.regex) {
    // The search runs in the history worker: a pattern that backtracks without end would stall recording.
    const nested = findNestedQuantifier(query.regex.pattern);
    if (nested !== undefined) throw new TopiaryError('VALIDATION_ERROR', `The regular expression repeats a repeated group (${nested}), which can take forever; rewrite it without the nested repetition.`, { field: 'regex' });
    try {
      regex = new RegExp(query.regex.pattern, query.regex.flags);
    } catch (error) {
      throw new TopiaryError('VALIDATION_ERROR', `Not a valid regular expression: ${(error as Error).message}`, { field: 'regex' });
    }
  }
  return {
    filters: query.filters,
    order: query.order,
    ...(query.sources !== undefined ? { sources: query.sources } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(query.text !== undefined ? { text: query.text } : {}),
    ...(regex !== undefined ? { regex } : {}),
    ...(query.qos !== undefined ? { qos: query.qos } : {}),
    ...(query.retain !== undefined ? { retain: query.retain } : {}),
    ...(query.userProperty !== undefined ? { userProperty: query.userProperty } : {}),
  };
}
