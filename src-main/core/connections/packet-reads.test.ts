import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketBytes, useAllocationFreePacketReads } from './packet-reads';

const PACKETS: readonly Packet[] = [
  { cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false },
  { cmd: 'publish', topic: 'sensors/line3/sensor103', payload: Buffer.alloc(300, 7), qos: 1, messageId: 513, retain: true, dup: false },
  {
    cmd: 'publish',
    topic: 'ünïcode/тема/話題',
    payload: Buffer.from('{"seq":1}'),
    qos: 2,
    messageId: 65_535,
    retain: false,
    dup: true,
    properties: { contentType: 'application/json', messageExpiryInterval: 70_000, userProperties: { k: ['v1', 'v2'] }, subscriptionIdentifier: 268_435_455 },
  },
  { cmd: 'publish', topic: 'empty', payload: Buffer.alloc(0), qos: 0, retain: true, dup: false },
  { cmd: 'puback', messageId: 7, reasonCode: 16 },
] as Packet[];

/** Parses `bytes` fed in the given pieces, MQTT 5. */
function parseInPieces(bytes: Buffer, cuts: readonly number[]): { packets: Packet[]; errors: Error[] } {
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => errors.push(e));
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.parse(bytes.subarray(from, cut));
    from = cut;
  }
  return { packets, errors };
}

function essentials(p: Packet): unknown {
  if (p.cmd !== 'publish') return { cmd: p.cmd, messageId: (p as { messageId?: number }).messageId, reasonCode: (p as { reasonCode?: number }).reasonCode };
  const publish = p as IPublishPacket;
  return {
    cmd: publish.cmd,
    topic: publish.topic,
    payload: Buffer.from(publish.payload as Uint8Array).toString('hex'),
    qos: publish.qos,
    messageId: publish.messageId,
    retain: publish.retain,
    dup: publish.dup,
    properties: publish.properties ?? {},
  };
}

describe('allocation-free packet reads', () => {
  useAllocationFreePacketReads();
  const bytes = Buffer.concat(PACKETS.map((p) => mqttPacket.generate(p, { protocolVersion: 5 })));
  const expected = PACKETS.map(essentials);

  it('are what a new parser reads with', () => {
    const parser = mqttPacket.parser({ protocolVersion: 5 }) as unknown as { _list: object };
    expect(parser._list).toBeInstanceOf(PacketBytes);
  });

  it('parse a stream in one piece exactly as it was written', () => {
    const { packets, errors } = parseInPieces(bytes, []);
    expect(errors).toEqual([]);
    expect(packets.map(essentials)).toEqual(expected);
  });

  it('parse the same packets when the stream is split at any byte, so fields straddle chunks', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const { packets, errors } = parseInPieces(bytes, [cut]);
      expect(errors).toEqual([]);
      expect(packets.map(essentials)).toEqual(expected);
    }
  });

  it('parse the same packets fed one byte at a time', () => {
    const { packets } = parseInPieces(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    expect(packets.map(essentials)).toEqual(expected);
  });

  it('report a malformed packet as the library does, and parse what follows', () => {
    // A PUBLISH whose topic length (0xffff) runs past its remaining length of 3.
    const malformed = Buffer.from([0x30, 3, 0xff, 0xff, 0x61]);
    const { errors } = parseInPieces(malformed, []);
    expect(errors.map((e) => e.message)).toEqual(['Cannot parse topic']);
    const after = parseInPieces(bytes, []);
    expect(after.packets.map(essentials)).toEqual(expected);
  });

  it('is installed once however often it is asked for', () => {
    useAllocationFreePacketReads();
    useAllocationFreePacketReads();
    const { packets } = parseInPieces(bytes, [5, 17]);
    expect(packets.map(essentials)).toEqual(expected);
  });
});

describe('PacketBytes', () => {
  const whole = Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 255));
  /** The same bytes received as chunks of 1, 3, 7, … bytes. */
  function chunked(): PacketBytes {
    const bytes = new PacketBytes();
    let at = 0;
    for (let size = 1; at < whole.length; size += 2) {
      bytes.append(whole.subarray(at, at + size));
      at += size;
    }
    return bytes;
  }

  it('reads every integer as one Buffer holding the same bytes would, across chunk boundaries', () => {
    const bytes = chunked();
    expect(bytes.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(bytes.readUInt8(i)).toBe(whole.readUInt8(i));
    for (let i = 0; i + 2 <= whole.length; i++) expect(bytes.readUInt16BE(i)).toBe(whole.readUInt16BE(i));
    for (let i = 0; i + 4 <= whole.length; i++) expect(bytes.readUInt32BE(i)).toBe(whole.readUInt32BE(i));
  });

  it('slices and decodes any range, after consuming any prefix', () => {
    for (let consumed = 0; consumed <= whole.length; consumed += 3) {
      const bytes = chunked().consume(consumed);
      const rest = whole.subarray(consumed);
      expect(bytes.length).toBe(rest.length);
      for (let start = 0; start <= rest.length; start += 2) {
        for (let end = start; end <= rest.length + 2; end += 3) {
          expect(Buffer.compare(bytes.slice(start, end), rest.subarray(start, end))).toBe(0);
          expect(bytes.toString('latin1', start, Math.min(end, rest.length))).toBe(rest.toString('latin1', start, Math.min(end, rest.length)));
        }
      }
      expect(Buffer.compare(bytes.slice(), rest)).toBe(0);
    }
  });

  it('throws a RangeError for a read past the end, as a Buffer does', () => {
    const bytes = chunked().consume(38);
    expect(bytes.readUInt16BE(0)).toBe(whole.readUInt16BE(38));
    expect(() => bytes.readUInt8(2)).toThrow(RangeError);
    expect(() => bytes.readUInt16BE(1)).toThrow(RangeError);
    expect(() => bytes.readUInt32BE(0)).toThrow(RangeError);
    expect(() => bytes.readUInt8(-1)).toThrow(RangeError);
  });

  it('consumes no more than it holds', () => {
    const bytes = chunked().consume(1000);
    expect(bytes.length).toBe(0);
    expect(bytes.slice().length).toBe(0);
    bytes.append(Buffer.from([1, 2]));
    expect(bytes.readUInt16BE(0)).toBe(0x0102);
  });
});

describe('reading a plain PUBLISH in one step', () => {
  useAllocationFreePacketReads();

  /** A parser that reads every packet through the library's own states: its bytes are not a PacketBytes itself. */
  function libraryParser(protocolVersion: 4 | 5): ReturnType<typeof mqttPacket.parser> {
    const parser = mqttPacket.parser({ protocolVersion });
    const inner = new PacketBytes();
    const list = {
      get length() {
        return inner.length;
      },
      append: (b: Uint8Array) => (inner.append(b), list),
      consume: (n: number) => (inner.consume(n), list),
      readUInt8: (o?: number) => inner.readUInt8(o),
      readUInt16BE: (o?: number) => inner.readUInt16BE(o),
      readUInt32BE: (o?: number) => inner.readUInt32BE(o),
      slice: (a?: number, b?: number) => inner.slice(a, b),
      toString: (e?: BufferEncoding, a?: number, b?: number) => inner.toString(e, a, b),
    };
    (parser as unknown as { _list: unknown })._list = list;
    return parser;
  }

  function parseWith(parser: ReturnType<typeof mqttPacket.parser>, bytes: Buffer, cuts: readonly number[]): { packets: Packet[]; errors: string[] } {
    const packets: Packet[] = [];
    const errors: string[] = [];
    parser.on('packet', (p: Packet) => packets.push(p));
    parser.on('error', (e: Error) => errors.push(e.message));
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      parser.parse(bytes.subarray(from, cut));
      from = cut;
    }
    return { packets, errors };
  }

  const stream = (protocolVersion: 4 | 5): Buffer =>
    Buffer.concat([
      ...[
        { cmd: 'publish', topic: 'kept/line1/sensor1', payload: Buffer.alloc(100, 65), qos: 0, retain: true, dup: false },
        { cmd: 'publish', topic: 'kept/line1/sensor2', payload: Buffer.alloc(0), qos: 1, messageId: 1, retain: false, dup: true },
        { cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 2, messageId: 65_535, retain: true, dup: false, properties: { topicAlias: 7 } },
        { cmd: 'publish', topic: '', payload: Buffer.from('y'), qos: 0, retain: false, dup: false, properties: { topicAlias: 7 } },
        { cmd: 'publish', topic: 'b', payload: Buffer.from('z'), qos: 0, retain: false, dup: false, properties: { topicAlias: 2, contentType: 'text/plain' } },
        { cmd: 'publish', topic: 'c', payload: Buffer.from('w'), qos: 1, messageId: 9, retain: false, dup: false, properties: { subscriptionIdentifier: 300 } },
        { cmd: 'puback', messageId: 1 },
        { cmd: 'publish', topic: 'big/ü', payload: Buffer.alloc(70_000, 3), qos: 0, retain: false, dup: false },
        { cmd: 'pingresp' },
        { cmd: 'publish', topic: 'last', payload: Buffer.from('end'), qos: 1, messageId: 2, retain: true, dup: false },
      ].map((p) => mqttPacket.generate((protocolVersion === 5 ? p : { ...p, properties: undefined }) as Packet, { protocolVersion })),
      // A PUBLISH whose topic runs past its remaining length, then one that is fine: the error and recovery are the library's.
      Buffer.from([0x30, 3, 0xff, 0xff, 0x61]),
    ]);

  /** A packet's class, then its fields in order, payloads as hex (a deep compare of big Buffers is slow). */
  const fields = (p: Packet): unknown[] => [
    p.constructor.name,
    ...Object.entries(p).map(([k, v]) => [k, Buffer.isBuffer(v) ? `${v.constructor.name}:${v.toString('hex')}` : v]),
  ];

  it.each([4, 5] as const)('gives exactly the packets the library\'s states give, whole or split anywhere (MQTT %s)', (protocolVersion) => {
    const bytes = stream(protocolVersion);
    const cutsList: number[][] = [[], [1], [2], [3], [bytes.length - 1], [70_100], Array.from({ length: 40 }, (_, i) => 1 + i * 3)];
    for (let cut = 5; cut < 400; cut += 7) cutsList.push([cut]);
    for (const cuts of cutsList) {
      const fast = parseWith(mqttPacket.parser({ protocolVersion }), bytes, cuts);
      const reference = parseWith(libraryParser(protocolVersion), bytes, cuts);
      expect(fast.errors).toEqual(['Cannot parse topic']);
      expect(fast.errors).toEqual(reference.errors);
      expect(fast.packets.length).toBe(10);
      expect(fast.packets.map(fields)).toStrictEqual(reference.packets.map(fields));
    }
  });

  it('leaves to the library\'s states only the PUBLISHes with other properties, and the malformed one', () => {
    const parser = mqttPacket.parser({ protocolVersion: 5 }) as ReturnType<typeof mqttPacket.parser> & { _parsePublish(): void };
    const library = parser._parsePublish;
    let byLibrary = 0;
    parser._parsePublish = function (this: typeof parser): void {
      byLibrary++;
      library.call(this);
    };
    expect(parseWith(parser, stream(5), []).packets).toHaveLength(10);
    expect(byLibrary).toBe(3);
  });
});
