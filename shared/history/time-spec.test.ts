import { describe, expect, it } from 'vitest';
import { parseTimeSpec } from './time-spec';

const now = Date.UTC(2026, 0, 31, 12, 0, 0);

describe('parseTimeSpec', () => {
  it('reads relative times the way people type them', () => {
    expect(parseTimeSpec('last 15 min', now)).toEqual({ ok: true, at: now - 15 * 60_000 });
    expect(parseTimeSpec('15m', now)).toEqual({ ok: true, at: now - 15 * 60_000 });
    expect(parseTimeSpec('2 hours ago', now)).toEqual({ ok: true, at: now - 2 * 3_600_000 });
    expect(parseTimeSpec('1.5h', now)).toEqual({ ok: true, at: now - 5_400_000 });
    expect(parseTimeSpec('now', now)).toEqual({ ok: true, at: now });
  });

  it('reads absolute times as ISO dates or epoch milliseconds', () => {
    expect(parseTimeSpec('2026-01-31T11:00:00Z', now)).toEqual({ ok: true, at: now - 3_600_000 });
    expect(parseTimeSpec(String(now - 5), now)).toEqual({ ok: true, at: now - 5 });
    expect(parseTimeSpec(now - 7, now)).toEqual({ ok: true, at: now - 7 });
  });

  it('names the unknown unit or the unreadable text', () => {
    const unit = parseTimeSpec('last 3 fortnights', now);
    expect(unit.ok).toBe(false);
    expect(!unit.ok && unit.message).toContain('fortnights');
    const junk = parseTimeSpec('yesterday-ish', now);
    expect(!junk.ok && junk.message).toContain('yesterday-ish');
  });
});
