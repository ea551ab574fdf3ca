import { describe, expect, it } from 'vitest';
import { packetLogFileName } from './packet-log-export';

describe('packet log export', () => {
  it('names an export file after the connection and the time, safe for any file system', () => {
    expect(packetLogFileName('mqtt://127.0.0.1:1883', new Date('2026-11-22T11:20:30.123Z'))).toBe('topiary-packets-mqtt-127.0.0.1-1883-2026-11-22T11-20-30.jsonl');
    expect(packetLogFileName('///', new Date('2026-11-22T11:20:30.123Z'))).toBe('topiary-packets-connection-2026-11-22T11-20-30.jsonl');
  });
});
