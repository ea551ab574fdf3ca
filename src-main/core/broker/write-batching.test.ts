import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerCore } from './broker-core';
import type { Transport } from './transport';

/** A byte stream held in memory, so a test can see exactly when and how the broker writes. */
class MemoryTransport implements Transport {
  readonly kind = 'tcp' as const;
  readonly remoteAddress = 'memory:0';
  readonly certificateUsername = undefined;
  /** One entry per write call: the packets handed over together. */
  readonly writes: Buffer[][] = [];
  private dataListeners: ((chunk: Buffer) => void)[] = [];
  private closeListeners: (() => void)[] = [];

  write(chunks: readonly Buffer[]): void {
    this.writes.push([...chunks]);
  }
  bufferedBytes(): number {
    return 0;
  }
  end(): void {
    this.destroy();
  }
  destroy(): void {
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const cb of listeners) cb();
  }
  onData(cb: (chunk: Buffer) => void): void {
    this.dataListeners.push(cb);
  }
  pause(): void {}
  resume(): void {}
  onClose(cb: () => void): void {
    this.closeListeners.push(cb);
  }

  /** Delivers bytes as one read from the socket would. */
  feed(...packets: Packet[]): void {
    const chunk = Buffer.concat(packets.map((p) => mqttPacket.generate(p)));
    for (const cb of this.dataListeners) cb(chunk);
  }

  /** Packet types (MQTT control packet numbers) of everything written so far, in order. */
  types(): number[] {
    return this.writes.flat().map((b) => b[0]! >> 4);
  }
}

let broker: BrokerCore | undefined;

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

async function startBroker(): Promise<BrokerCore> {
  broker = new BrokerCore({ sysInterval: 0, listeners: [] });
  await broker.start();
  return broker;
}

function attach(b: BrokerCore, clientId: string): MemoryTransport {
  const t = new MemoryTransport();
  b.handleTransport(t);
  t.feed({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0 });
  return t;
}

const PUBLISH = 3;
const PUBACK = 4;
const CONNACK = 2;
const SUBACK = 9;

describe('write batching', () => {
  it('forwards a QoS 1 PUBLISH and acknowledges it before the read handler returns', async () => {
    const b = await startBroker();
    const sub = attach(b, 'sub');
    sub.feed({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lat/#', qos: 1 }] });
    const pub = attach(b, 'pub');
    // CONNACK and SUBACK were written while their packets were handled, not on a later turn.
    expect(sub.types()).toEqual([CONNACK, SUBACK]);
    expect(pub.types()).toEqual([CONNACK]);

    pub.feed({ cmd: 'publish', topic: 'lat/1', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false });

    expect(sub.types()).toEqual([CONNACK, SUBACK, PUBLISH]);
    expect(pub.types()).toEqual([CONNACK, PUBACK]);
    expect(pub.writes.at(-1)![0]!.readUInt16BE(2)).toBe(7);
  });

  it('writes the packets caused by one read as a single batch per client', async () => {
    const b = await startBroker();
    const sub = attach(b, 'sub');
    sub.feed({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'batch/#', qos: 1 }] });
    const pub = attach(b, 'pub');
    const subWrites = sub.writes.length;
    const pubWrites = pub.writes.length;

    pub.feed(
      ...[1, 2, 3].map((id): Packet => ({ cmd: 'publish', topic: `batch/${id}`, payload: Buffer.from('x'), qos: 1, messageId: id, retain: false, dup: false })),
    );

    expect(sub.writes.length - subWrites).toBe(1);
    expect(sub.writes.at(-1)!.map((p) => p[0]! >> 4)).toEqual([PUBLISH, PUBLISH, PUBLISH]);
    expect(pub.writes.length - pubWrites).toBe(1);
    expect(pub.writes.at(-1)!.map((p) => p.readUInt16BE(2))).toEqual([1, 2, 3]);
  });

  it('still sends what the broker publishes by itself, outside any client read', async () => {
    const b = await startBroker();
    const sub = attach(b, 'sub');
    sub.feed({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'local/#', qos: 0 }] });
    const before = sub.writes.length;

    b.publish({ topic: 'local/x', payload: 'hello' });
    await new Promise<void>((resolve) => setImmediate(resolve));

    expect(sub.writes.length).toBe(before + 1);
    expect(sub.writes.at(-1)![0]![0]! >> 4).toBe(PUBLISH);
  });
});
