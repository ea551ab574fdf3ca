import { describe, expect, it } from 'vitest';
import { formatBytes, formatDateTime, formatTime, plural } from './format';

describe('format', () => {
  it('says one topic and two topics', () => {
    expect(plural(1, 'topic')).toBe('1 topic');
    expect(plural(2, 'topic')).toBe('2 topics');
    expect(plural(0, 'message')).toBe('0 messages');
    expect(plural(1, 'entry')).toBe('1 entry');
    expect(plural(3, 'entry')).toBe('3 entries');
    expect(plural(12345, 'message')).toBe('12,345 messages');
  });

  it('prints sizes people read at a glance', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12 MB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.3 GB');
    expect(formatBytes(-1)).toBe('—');
  });

  it('prints a 24-hour clock with milliseconds by default', () => {
    const at = new Date(2026, 11, 7, 14, 3, 7, 25);
    expect(formatTime(at, 'clock')).toBe('14:03:07.025');
    expect(formatTime(at, 'clock', false)).toBe('14:03:07');
    expect(formatDateTime(at, 'clock')).toBe('2026-12-07 14:03:07.025');
    expect(formatTime(Number.NaN, 'clock')).toBe('—');
  });

  it('follows the system locale when asked, keeping the milliseconds', () => {
    const at = new Date(2026, 11, 7, 14, 3, 7, 25);
    expect(formatTime(at, 'locale')).toBe(at.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 }));
  });
});
