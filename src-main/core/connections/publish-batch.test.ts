import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { packetSize } from './packet-size';
import { PublishBatch, type BatchPayload } from './publish-batch';

/** Every packet in `bytes`, as mqtt-packet (MQTT.js's own parser) reads them. */
function parse(bytes: Buffer, protocolVersion: 4 | 5): IPublishPacket[] {
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => errors.push(e));
  const left = parser.parse(bytes);
  expect(errors).toEqual([]);
  expect(left).toBe(0);
  return packets.map((p) => {
    expect(p.cmd).toBe('publish');
    return p as IPublishPacket;
  });
}

const bytesOf = (p: BatchPayload): Buffer => (p instanceof Uint8Array ? Buffer.from(p) : Buffer.from(p.text, p.encoding));

describe('a batch of QoS 0 publishes', () => {
  // Lengths either side of each step of the remaining-length field (1, 2 and 3 bytes), and one larger than a slab.
  const cases: readonly { readonly topic: string; readonly payload: BatchPayload; readonly retain: boolean }[] = [
    { topic: 'a', payload: { text: '', encoding: 'utf8' }, retain: false },
    { topic: 'plant/line4/temp', payload: { text: '{"temp":81,"unit":"°C"}', encoding: 'utf8' }, retain: true },
    { topic: 'zähler/€/ü', payload: { text: Buffer.from([0, 0xff, 0xfe, 0x80]).toString('base64'), encoding: 'base64' }, retain: false },
    { topic: 't/120', payload: { text: 'x'.repeat(120), encoding: 'utf8' }, retain: false },
    { topic: 't/121', payload: { text: 'x'.repeat(121), encoding: 'utf8' }, retain: false },
    { topic: 't/16k', payload: new Uint8Array(16_370).fill(7), retain: true },
    { topic: 't/16k+', payload: new Uint8Array(16_400).fill(9), retain: false },
    { topic: 't/big', payload: new Uint8Array(300_000).map((_, i) => i % 251), retain: false },
  ];

  for (const protocolVersion of [4, 5] as const) {
    it(`encodes what MQTT.js's parser reads back byte for byte, topic, payload and retain (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, () => {
      const batch = new PublishBatch(protocolVersion);
      for (const c of cases) expect(batch.add(c.topic, c.payload, c.retain, undefined)).toEqual({ ok: true });
      expect(batch.count).toBe(cases.length);
      const packets = parse(batch.take(), protocolVersion);
      expect(packets).toHaveLength(cases.length);
      packets.forEach((p, i) => {
        const c = cases[i]!;
        expect(p.topic).toBe(c.topic);
        expect(Buffer.from(p.payload as Buffer).equals(bytesOf(c.payload))).toBe(true);
        expect(p.qos).toBe(0);
        expect(p.retain).toBe(c.retain);
        expect(p.dup).toBe(false);
      });
    });
  }

  it('keeps a taken batch intact while the next is encoded, as the socket still holds it', () => {
    const batch = new PublishBatch(5);
    batch.add('first', { text: 'one', encoding: 'utf8' }, false, undefined);
    const first = batch.take();
    const copy = Buffer.from(first);
    expect(batch.count).toBe(0);
    expect(batch.bytes).toBe(0);
    // More than a slab's worth, so the encoding moves to a new one on the way.
    for (let i = 0; i < 400; i++) batch.add(`next/${i}`, { text: `${i}`.padEnd(1_000, '.'), encoding: 'utf8' }, false, undefined);
    expect(first.equals(copy)).toBe(true);
    const rest = parse(batch.take(), 5);
    expect(rest.map((p) => p.topic)).toEqual(Array.from({ length: 400 }, (_, i) => `next/${i}`));
    expect(rest.every((p, i) => (p.payload as Buffer).toString() === `${i}`.padEnd(1_000, '.'))).toBe(true);
    expect(parse(first, 5)[0]?.topic).toBe('first');
  });

  it("refuses, without encoding it, a packet larger than the broker's limit, sized as the broker would size it", () => {
    const batch = new PublishBatch(5);
    const payload = new Uint8Array(200);
    const size = packetSize({ cmd: 'publish', topic: 'big/one', payload: Buffer.from(payload), qos: 0, retain: false, dup: false }, 5);
    expect(batch.add('big/one', payload, false, size)).toEqual({ ok: true });
    expect(batch.add('big/one', payload, false, size - 1)).toEqual({ ok: false, packetBytes: size });
    expect(batch.count).toBe(1);
    expect(parse(batch.take(), 5)).toHaveLength(1);
  });
});
