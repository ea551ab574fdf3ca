// A UDP proxy that puts a lossy link between a datagram client and its server: it drops, duplicates, reorders and
// delays datagrams, each at a configurable rate, in both directions. Seeded, so a failing run can be replayed.
import { createSocket, type Socket } from 'node:dgram';
import { seededRandom } from './seeded-random';

export interface UdpFaultSettings {
  /** Share of datagrams dropped, 0–1. */
  readonly dropRate: number;
  /** Share of datagrams sent twice, 0–1. */
  readonly duplicateRate: number;
  /** Share of datagrams held back by `reorderDelayMs`, so later ones overtake them, 0–1. */
  readonly reorderRate: number;
  readonly reorderDelayMs: number;
  /** Delay added to every datagram, drawn uniformly from [min, max] ms. */
  readonly delayMs: readonly [number, number];
}

export interface UdpFaultProxyOptions extends Partial<UdpFaultSettings> {
  /** The server's port on 127.0.0.1. */
  readonly targetPort: number;
  readonly seed?: number;
}

export interface UdpFaultProxy {
  readonly port: number;
  readonly stats: { forwarded: number; dropped: number; duplicated: number; reordered: number };
  /** Changes the faults; unnamed fields keep their value. */
  set(settings: Partial<UdpFaultSettings>): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 at a free port, forwarding to 127.0.0.1:targetPort. */
export async function startUdpFaultProxy({ targetPort, seed = 1, ...initial }: UdpFaultProxyOptions): Promise<UdpFaultProxy> {
  let settings: UdpFaultSettings = { dropRate: 0, duplicateRate: 0, reorderRate: 0, reorderDelayMs: 20, delayMs: [0, 0], ...initial };
  const random = seededRandom(seed);
  const stats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const upstreams = new Map<string, Socket>();
  let closed = false;

  const front = createSocket('udp4');
  front.on('error', () => undefined); // A send to a vanished client must not end the proxy.

  const forward = (send: () => void): void => {
    if (random() < settings.dropRate) {
      stats.dropped++;
      return;
    }
    const copies = random() < settings.duplicateRate ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const [min, max] = settings.delayMs;
      let delay = min + random() * (max - min);
      if (random() < settings.reorderRate) {
        stats.reordered++;
        delay += settings.reorderDelayMs;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (closed) return;
        stats.forwarded++;
        send();
      }, delay);
      timers.add(timer);
    }
  };

  front.on('message', (bytes, peer) => {
    const key = `${peer.address}|${peer.port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      const created = createSocket('udp4');
      created.on('error', () => undefined); // ICMP port unreachable from a stopped server is part of the test.
      created.on('message', (reply) => forward(() => front.send(reply, peer.port, peer.address)));
      created.bind(0, '127.0.0.1');
      upstreams.set(key, created);
      upstream = created;
    }
    const out = upstream;
    forward(() => out.send(bytes, targetPort, '127.0.0.1'));
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });

  return {
    port: front.address().port,
    stats,
    set(next) {
      settings = { ...settings, ...next };
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const sockets = [front, ...upstreams.values()];
      upstreams.clear();
      await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
