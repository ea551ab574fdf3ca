/**
 * One way to print times, counts and sizes in every view. The time format is a user setting (kept in
 * localStorage, so it is the window's preference and needs no round trip to the core); views read it with
 * `useTimeFormat()` so they re-render when it changes.
 */
import { useSyncExternalStore } from 'react';

/** `clock`: 24-hour with milliseconds (14:03:07.250), the same on every machine; `locale`: the system's own format. */
export type TimeFormat = 'clock' | 'locale';

const STORAGE_KEY = 'topiary.timeFormat';
const listeners = new Set<() => void>();

function readStored(): TimeFormat {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === 'locale' ? 'locale' : 'clock';
  } catch {
    // Storage can be refused (a private window, a locked-down profile): the default still works.
    return 'clock';
  }
}

let current: TimeFormat = readStored();

/** The time format in use. */
export function timeFormat(): TimeFormat {
  return current;
}

/** Changes the time format everywhere and remembers it. */
export function setTimeFormat(format: TimeFormat): void {
  current = format;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, format);
  } catch {
    // Not remembered, but applied for this window.
  }
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The time format, re-rendering the caller when it changes. */
export function useTimeFormat(): TimeFormat {
  return useSyncExternalStore(subscribe, timeFormat, timeFormat);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A time of day: "14:03:07.250", or the system's format (with milliseconds when `withMs`). */
export function formatTime(at: number | Date, format: TimeFormat = current, withMs = true): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return '—';
  if (format === 'locale') {
    return d.toLocaleTimeString(undefined, withMs ? { hour: 'numeric', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 } : undefined);
  }
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** A date and time: "2026-12-07 14:03:07.250", or the system's format. */
export function formatDateTime(at: number | Date, format: TimeFormat = current): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return '—';
  if (format === 'locale') return `${d.toLocaleDateString()} ${formatTime(d, format)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(d, format)}`;
}

/** A short axis label: "14:03:07" on a clock, or the system's hours, minutes and seconds. */
export function formatAxisTime(at: number, format: TimeFormat = current): string {
  return formatTime(at, format, false);
}

const IRREGULAR: Readonly<Record<string, string>> = { entry: 'entries', property: 'properties', identity: 'identities', match: 'matches' };

/** "1 topic", "2 topics", "1,024 messages": a count with its noun, singular or plural as English wants. */
export function plural(count: number, noun: string, pluralNoun?: string): string {
  const many = pluralNoun ?? IRREGULAR[noun] ?? `${noun}s`;
  return `${formatCount(count)} ${count === 1 ? noun : many}`;
}

// One formatter for every count: toLocaleString with a locale builds a new one per call, and the tree prints
// two counts per row many times a second.
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** A count with thousands separators, the same on every machine ("12,345"). */
export function formatCount(count: number): string {
  return COUNT_FORMAT.format(count);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** A size people read at a glance: "512 B", "1.5 KB", "12 MB", "1.2 GB" (binary multiples, one decimal below 10). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  const rounded = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
  return `${rounded} ${UNITS[unit]}`;
}
