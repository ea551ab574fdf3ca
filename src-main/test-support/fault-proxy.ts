// A TCP proxy that puts a bad network between MQTT clients and a broker: latency, a bandwidth cap,
// writes sliced into small pieces, connections reset (at once or after a random number of bytes)
// and connections black-holed (open but silent, as behind a dead NAT entry).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultProxyOptions {
  /** The broker's port on 127.0.0.1. */
  readonly targetPort: number;
  readonly targetHost?: string;
}

/** The faults applied to data as it is forwarded; every field may change while connections are open. */
export interface FaultSettings {
  /** Delay added to every forwarded piece, in ms. */
  readonly latencyMs: number;
  /** Bytes per second each direction of each connection may carry; 0 = unlimited. */
  readonly bytesPerSecond: number;
  /** Each chunk read is forwarded in pieces of at most this many bytes, each its own write; 0 = whole chunks. */
  readonly sliceBytes: number;
  /**
   * Each new connection is reset after forwarding a random number of bytes (both directions together)
   * in [min, max]: the cut lands anywhere, mid-packet included. Undefined = never.
   */
  readonly resetAfterBytes: readonly [number, number] | undefined;
}

const CLEAN: FaultSettings = { latencyMs: 0, bytesPerSecond: 0, sliceBytes: 0, resetAfterBytes: undefined };

/** Pause reading a side once this much waits to be written to the other. */
const HIGH_WATER = 256 * 1024;

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections reset by the proxy so far (by reset() or a byte budget). */
  readonly resets: number;
  /** Changes the faults; unnamed fields keep their value. A byte budget is drawn anew for open connections. */
  set(settings: Partial<FaultSettings>): void;
  /** Back to a clean network for new and open connections (black holes stay black). */
  heal(): void;
  /** Resets every open connection (TCP RST both ways); whatever was in flight is lost. */
  reset(): void;
  /** Open connections stop forwarding in both directions and stay open, until their ends give up. New connections are not affected. */
  blackHole(): void;
  close(): Promise<void>;
}

interface Direction {
  readonly from: Socket;
  readonly to: Socket;
  queued: number;
  /** When the bandwidth cap lets the next byte leave (ms, performance.now()). */
  nextFreeAt: number;
  /** Pieces scheduled but not yet written, in order, each with when it may leave. */
  readonly pending: { readonly piece: Buffer; readonly at: number }[];
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  budget: number;
  silent: boolean;
  closed: boolean;
}

/** Starts a proxy on a free port of 127.0.0.1 forwarding to the target. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let settings: FaultSettings = CLEAN;
  const links = new Set<Link>();
  let accepted = 0;
  let resets = 0;

  const destroy = (link: Link, rst: boolean): void => {
    if (link.closed) return;
    link.closed = true;
    links.delete(link);
    for (const s of [link.client, link.server]) {
      if (rst && !s.destroyed && s.readyState === 'open') s.resetAndDestroy();
      else s.destroy();
    }
  };

  const pickBudget = (): number => {
    const range = settings.resetAfterBytes;
    if (!range) return Infinity;
    return range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
  };

  const forward = (link: Link, dir: Direction, chunk: Buffer): void => {
    if (link.closed || link.silent) return;
    // A byte budget cuts the connection mid-stream: what fits is forwarded, the rest is lost.
    let data = chunk;
    let cutAfter = false;
    if (data.length >= link.budget) {
      data = data.subarray(0, link.budget);
      cutAfter = true;
    }
    link.budget -= data.length;
    const { latencyMs, bytesPerSecond, sliceBytes } = settings;
    const size = sliceBytes > 0 ? sliceBytes : Math.max(1, data.length);
    for (let off = 0; off < data.length; off += size) {
      const piece = data.subarray(off, off + size);
      const leaveAt = Math.max(performance.now() + latencyMs, dir.nextFreeAt);
      dir.nextFreeAt = bytesPerSecond > 0 ? leaveAt + (piece.length * 1000) / bytesPerSecond : leaveAt;
      dir.pending.push({ piece, at: leaveAt });
      dir.queued += piece.length;
    }
    // A zero-length piece marks the cut: it leaves after what fitted.
    if (cutAfter) dir.pending.push({ piece: Buffer.alloc(0), at: dir.nextFreeAt });
    if (dir.queued > HIGH_WATER) dir.from.pause();
    pump(link, dir);
  };

  /** Writes the pieces in order, one per turn of the event loop, so sliced pieces stay separate writes. */
  const pump = (link: Link, dir: Direction): void => {
    if (dir.timer || dir.pending.length === 0) return;
    const run = (): void => {
      dir.timer = undefined;
      if (link.closed || link.silent) return;
      const next = dir.pending.shift();
      if (!next) return;
      if (next.piece.length === 0) {
        resets++;
        destroy(link, true);
        return;
      }
      dir.queued -= next.piece.length;
      dir.to.write(next.piece);
      if (dir.queued <= HIGH_WATER / 2 && dir.from.isPaused()) dir.from.resume();
      pump(link, dir);
    };
    const wait = dir.pending[0]!.at - performance.now();
    dir.timer = wait > 1 ? setTimeout(run, wait) : setImmediate(run);
  };

  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect({ host: options.targetHost ?? '127.0.0.1', port: options.targetPort });
    const link: Link = { client, server: upstream, budget: pickBudget(), silent: false, closed: false };
    links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const up: Direction = { from: client, to: upstream, queued: 0, nextFreeAt: 0, pending: [], timer: undefined };
    const down: Direction = { from: upstream, to: client, queued: 0, nextFreeAt: 0, pending: [], timer: undefined };
    // Client bytes that arrive before the broker accepted wait in the socket's own write buffer.
    client.on('data', (chunk: Buffer) => forward(link, up, chunk));
    upstream.on('data', (chunk: Buffer) => forward(link, down, chunk));
    // Either end closing or failing ends the other, except across a black hole: there each end
    // finds out on its own (its keepalive), as behind a dead network path.
    for (const s of [client, upstream]) {
      const ended = (): void => {
        if (!link.silent) destroy(link, false);
      };
      s.on('error', ended);
      s.on('close', ended);
    }
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get resets() {
      return resets;
    },
    set(partial) {
      settings = { ...settings, ...partial };
      // A new byte budget applies to open connections too, counted from now.
      if (partial.resetAfterBytes) for (const link of links) link.budget = pickBudget();
    },
    heal() {
      settings = CLEAN;
      for (const link of links) link.budget = Infinity;
    },
    reset() {
      for (const link of [...links]) {
        resets++;
        destroy(link, true);
      }
    },
    blackHole() {
      for (const link of links) link.silent = true;
    },
    async close() {
      for (const link of [...links]) destroy(link, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
