import { describe, expect, it } from 'vitest';
import { byteSize, packetFlags, packetProperties, packetReasons, packetSubject, packetTime } from './packet-format';

describe('packet log formatting', () => {
  it('shows only the flags a packet carries', () => {
    expect(packetFlags({ qos: 1, retain: true, dup: false })).toBe('qos1 retain');
    expect(packetFlags({ qos: 2, retain: false, dup: true })).toBe('qos2 dup');
    expect(packetFlags({})).toBe('');
  });

  it('reads SUBACK codes 0–2 as granted QoS and names failure codes', () => {
    expect(packetReasons({ type: 'suback', reasonCodes: [0, 2, 0x87] })).toBe('granted qos0, granted qos2, 0x87 Not authorized');
    expect(packetReasons({ type: 'connack', reasonCode: 0 })).toBe('0x00 Success');
    expect(packetReasons({ type: 'puback', reasonCode: 0x10 })).toBe('0x10 No matching subscribers');
    expect(packetReasons({ type: 'pingresp' })).toBe('');
  });

  it('gives the topic of a publish and the filters of a subscribe', () => {
    expect(packetSubject({ topic: 'a/b' })).toBe('a/b');
    expect(packetSubject({ topics: ['a/#', 'b/+'] })).toBe('a/#, b/+');
  });

  it('writes properties as key=value, nested values as JSON', () => {
    expect(packetProperties({ clientId: 'x', will: { topic: 't' } })).toBe('clientId=x will={"topic":"t"}');
    expect(packetProperties(undefined)).toBe('');
  });

  it('prints times with milliseconds and sizes with units', () => {
    expect(packetTime(new Date(2026, 0, 2, 3, 4, 5, 6).getTime())).toBe('03:04:05.006');
    expect(byteSize(12)).toBe('12 B');
    expect(byteSize(1536)).toBe('1.5 KB');
    expect(byteSize(undefined)).toBe('');
  });

});
