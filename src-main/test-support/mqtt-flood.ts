import mqtt, { type MqttClient } from 'mqtt';

/** A load of real MQTT.js clients: publishers keeping a window of publishes awaiting their ack, subscribers acknowledging at their own pace. */
export interface FloodOptions {
  readonly url: string;
  readonly publishers: number;
  readonly subscribers: number;
  /** Messages each publisher sends. */
  readonly perPublisher: number;
  readonly qos: 0 | 1 | 2;
  /** Publishes each publisher keeps awaiting PUBACK/PUBCOMP. */
  readonly window: number;
  readonly payloadBytes?: number;
  /** Subscribers take a 1 ms pause every this many messages before acknowledging (a slow device); 0 = never. */
  readonly subscriberPauseEvery?: number;
  readonly protocolVersion?: 4 | 5;
  /** Topic prefix: publisher i publishes on `${prefix}/i`, subscribers take `${prefix}/#`. */
  readonly prefix?: string;
  /** Subscribers keep their session (clean session false), so a persisting broker stores their messages. */
  readonly persistentSubscribers?: boolean;
  /** Give up waiting for stragglers after this long without a new delivery. */
  readonly settleMs?: number;
}

export interface FloodResult {
  /** Publishes the broker acknowledged (all sent ones at QoS 0). */
  readonly acknowledged: number;
  /** Messages that reached subscribers, summed over subscribers. */
  readonly delivered: number;
  /** acknowledged × subscribers − delivered, never below 0. */
  readonly lost: number;
  /** Delivered messages per second, from the first publish to the last delivery. */
  readonly deliveredPerSecond: number;
  /** Subscribers that received some message twice (only counted at QoS 2, where that must not happen). */
  readonly duplicates: number;
}

/** Runs one fan-in or fan-out flood to completion and counts what was acknowledged and what arrived. */
export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  const prefix = o.prefix ?? `flood-${process.pid}-${Date.now()}`;
  const payload = Buffer.alloc(o.payloadBytes ?? 100, 0x61);
  const clients: MqttClient[] = [];
  const connect = async (clientId: string, clean = true): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(o.url, { clientId, protocolVersion: o.protocolVersion ?? 4, clean, reconnectPeriod: 0, keepalive: 60 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  try {
    let delivered = 0;
    let duplicates = 0;
    let lastDeliveryAt = Date.now();
    for (let s = 0; s < o.subscribers; s++) {
      const sub = await connect(`${prefix}-sub-${s}`, !o.persistentSubscribers);
      const seen = o.qos === 2 ? new Set<string>() : undefined;
      let n = 0;
      const pauseEvery = o.subscriberPauseEvery ?? 0;
      sub.handleMessage = (packet, done) => {
        delivered++;
        lastDeliveryAt = Date.now();
        if (seen) {
          const key = `${packet.topic}:${(packet.payload as Buffer).readUInt32BE(0)}`;
          if (seen.has(key)) duplicates++;
          seen.add(key);
        }
        if (pauseEvery > 0 && ++n % pauseEvery === 0) setTimeout(done, 1);
        else done();
      };
      await sub.subscribeAsync(`${prefix}/#`, { qos: o.qos });
    }
    const publishers = await Promise.all(Array.from({ length: o.publishers }, (_, i) => connect(`${prefix}-pub-${i}`)));
    const started = Date.now();
    const acks = await Promise.all(publishers.map((pub, i) => publishWindowed(pub, `${prefix}/${i}`, payload, o.perPublisher, o.qos, o.window)));
    const acknowledged = acks.reduce((a, b) => a + b, 0);
    const expected = acknowledged * o.subscribers;
    const settleMs = o.settleMs ?? 3000;
    while (delivered < expected && Date.now() - lastDeliveryAt < settleMs) await new Promise((r) => setTimeout(r, 20));
    const seconds = Math.max(0.001, (lastDeliveryAt - started) / 1000);
    return { acknowledged, delivered, lost: Math.max(0, expected - delivered), deliveredPerSecond: delivered / seconds, duplicates };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

/** Publishes `count` messages keeping `window` unacknowledged; resolves with how many were acknowledged. */
function publishWindowed(client: MqttClient, topic: string, payload: Buffer, count: number, qos: 0 | 1 | 2, window: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const next = (): void => {
      if (sent >= count) return;
      const body = Buffer.from(payload);
      body.writeUInt32BE(sent++, 0);
      client.publish(topic, body, { qos }, (err) => {
        if (err) return reject(err);
        if (++acked === count) resolve(acked);
        else next();
      });
    };
    for (let k = 0; k < Math.min(window, count); k++) next();
  });
}
