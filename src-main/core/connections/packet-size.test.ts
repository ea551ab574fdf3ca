import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { packetSize } from './packet-size';

describe('packetSize', () => {
  it.each([0, 1, 100, 127, 128, 5_000, 16_383, 16_384, 300_000])('matches the encoded length of a publish with a %i-byte payload', (n) => {
    for (const protocolVersion of [4, 5] as const) {
      const packet = {
        cmd: 'publish' as const,
        topic: 'size/check',
        payload: Buffer.alloc(n, 1),
        qos: 1 as const,
        retain: false,
        dup: false,
        messageId: 7,
        ...(protocolVersion === 5 ? { properties: { contentType: 'text/plain', userProperties: { a: 'b' } } } : {}),
      };
      expect(packetSize(packet, protocolVersion)).toBe(generate(packet, { protocolVersion }).length);
    }
  });

  it('measures a SUBSCRIBE as encoded', () => {
    const packet = { cmd: 'subscribe' as const, messageId: 1, subscriptions: [{ topic: 'a/'.repeat(2_000), qos: 1 as const }] };
    expect(packetSize(packet, 4)).toBe(generate(packet, { protocolVersion: 4 }).length);
  });
});
