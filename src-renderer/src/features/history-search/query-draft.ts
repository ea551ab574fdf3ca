import type { Qos } from '../../../../shared/ipc/common';
import type { HistoryQueryInput } from '../../../../shared/ipc/history';

/** The search form as typed: text fields, turned into a query by toHistoryQuery. */
export interface QueryDraft {
  /** MQTT topic filters, separated by commas or spaces; empty means `#`. */
  readonly filters: string;
  /** Epoch ms, an ISO date, or relative ("last 15 min", "2h"); empty for no bound. */
  readonly since: string;
  readonly until: string;
  readonly text: string;
  readonly regex: string;
  readonly regexFlags: string;
  readonly qos: readonly Qos[];
  readonly retain: 'any' | 'yes' | 'no';
  readonly userKey: string;
  readonly userValue: string;
  readonly order: 'newest' | 'oldest';
  /** One source key, or '' for every source. */
  readonly source: string;
  /** Apply the user's decoder bindings: text and regex match the decoded text too, and results show it. */
  readonly decoded: boolean;
}

export const EMPTY_QUERY_DRAFT: QueryDraft = {
  filters: '',
  since: '',
  until: '',
  text: '',
  regex: '',
  regexFlags: '',
  qos: [0, 1, 2],
  retain: 'any',
  userKey: '',
  userValue: '',
  order: 'newest',
  source: '',
  decoded: false,
};

export type DraftResult = { readonly ok: true; readonly query: HistoryQueryInput } | { readonly ok: false; readonly field: keyof QueryDraft; readonly message: string };

function time(value: string): string | number | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** The query the core takes, or which field is wrong and why (the core checks again and has the last word). */
export function toHistoryQuery(draft: QueryDraft): DraftResult {
  const filters = draft.filters.split(/[\s,]+/).filter((f) => f !== '');
  if (draft.regex !== '') {
    try {
      new RegExp(draft.regex, draft.regexFlags);
    } catch (error) {
      return { ok: false, field: 'regex', message: `Not a valid regular expression: ${(error as Error).message}` };
    }
  }
  if (draft.qos.length === 0) return { ok: false, field: 'qos', message: 'Tick at least one QoS.' };
  if (draft.userValue !== '' && draft.userKey === '') return { ok: false, field: 'userKey', message: 'A user property value needs its key.' };
  const since = time(draft.since);
  const until = time(draft.until);
  const query: HistoryQueryInput = {
    filters: filters.length > 0 ? filters : ['#'],
    order: draft.order,
    ...(draft.source !== '' ? { sources: [draft.source] } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(draft.text.trim() !== '' ? { text: draft.text.trim() } : {}),
    ...(draft.regex !== '' ? { regex: { pattern: draft.regex, flags: draft.regexFlags } } : {}),
    ...(draft.qos.length < 3 ? { qos: [...draft.qos].sort() } : {}),
    ...(draft.retain !== 'any' ? { retain: draft.retain === 'yes' } : {}),
    ...(draft.userKey !== '' ? { userProperty: { key: draft.userKey, ...(draft.userValue !== '' ? { value: draft.userValue } : {}) } } : {}),
  };
  return { ok: true, query };
}

/** A default file for an export, in the store's folder (the export is written where the core runs). */
export function defaultExportFile(storeFile: string, format: 'json' | 'ndjson' | 'csv', now: Date): string {
  const slash = Math.max(storeFile.lastIndexOf('/'), storeFile.lastIndexOf('\\'));
  const dir = slash >= 0 ? storeFile.slice(0, slash + 1) : '';
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return `${dir}export-${stamp}.${format}`;
}
