/**
 * Times a person types for a history search: an absolute time (ISO 8601, or epoch milliseconds)
 * or a relative one ("15m", "last 15 min", "2 hours ago", "now").
 */
export type TimeSpecResult = { readonly ok: true; readonly at: number } | { readonly ok: false; readonly message: string };

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const RELATIVE = /^(?:last\s+)?(\d+(?:\.\d+)?)\s*([a-z]+)(?:\s+ago)?$/;

/** Resolves a time spec against `now` (epoch ms). */
export function parseTimeSpec(text: string | number, now: number): TimeSpecResult {
  if (typeof text === 'number') return Number.isFinite(text) ? { ok: true, at: text } : { ok: false, message: 'A time must be a finite number of milliseconds.' };
  const spec = text.trim().toLowerCase();
  if (spec === 'now') return { ok: true, at: now };
  if (/^\d{10,}$/.test(spec)) return { ok: true, at: Number(spec) };
  const relative = RELATIVE.exec(spec);
  if (relative) {
    const unit = UNIT_MS[relative[2] ?? ''];
    if (unit === undefined) return { ok: false, message: `Unknown time unit "${relative[2]}" in "${text}": use s, min, h, d or w (as in "last 15 min").` };
    return { ok: true, at: now - Number(relative[1]) * unit };
  }
  // Only strings that look like dates: Date.parse accepts odd things ("1") otherwise.
  if (/^\d{4}-\d{2}-\d{2}/.test(spec)) {
    const at = Date.parse(text.trim());
    if (Number.isFinite(at)) return { ok: true, at };
  }
  return { ok: false, message: `Cannot read "${text}" as a time: use an ISO date (2026-01-31T12:00:00Z), epoch milliseconds, or a relative time such as "last 15 min" or "2h".` };
}
