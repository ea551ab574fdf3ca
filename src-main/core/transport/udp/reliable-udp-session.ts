// One reliable-UDP session (RELIABILITY.md): a Duplex byte stream, so an MQTT codec sits on it as on a TCP socket.
// It owns no socket: the endpoint hands it the datagrams of its peer and a function that sends to that peer.
import { Duplex } from 'node:stream';
import { encodeDatagram, HEADER_BYTES, MAX_DATAGRAM_BYTES, MAX_SELECTIVE_ACKS, type AckDatagram, type Datagram, type DataDatagram } from './datagram';

export interface ReliableUdpOptions {
  /** Largest datagram sent, header included. */
  readonly mtu: number;
  readonly initialRtoMs: number;
  readonly maxRtoMs: number;
  /** Sends of one datagram without an acknowledgement before the session fails as unreachable. */
  readonly maxAttempts: number;
  /** Unacknowledged DATA datagrams in flight at most. */
  readonly sendWindow: number;
  /** How far beyond the next expected sequence number out-of-order DATA is kept. */
  readonly receiveWindow: number;
  /** A session that hears nothing valid from its peer for this long ends. */
  readonly idleTimeoutMs: number;
  /**
   * Largest message: writes are cut into messages of at most this size, and a peer's message growing beyond it ends
   * the session. It also caps the out-of-order bytes held, so one session's memory stays bounded.
   */
  readonly maxMessageBytes: number;
}

export const DEFAULT_RELIABLE_UDP_OPTIONS: ReliableUdpOptions = {
  mtu: 1_472,
  initialRtoMs: 200,
  maxRtoMs: 5_000,
  maxAttempts: 10,
  sendWindow: 64,
  receiveWindow: 1_024,
  idleTimeoutMs: 60_000,
  maxMessageBytes: 1_048_576,
};

/** Checks options a user may set, so a bad value is a clear error rather than a stalled session. */
export function resolveReliableUdpOptions(partial: Partial<ReliableUdpOptions> = {}): ReliableUdpOptions {
  const o = { ...DEFAULT_RELIABLE_UDP_OPTIONS, ...partial };
  const positive = (name: keyof ReliableUdpOptions): void => {
    if (!Number.isInteger(o[name]) || o[name] <= 0) throw new RangeError(`Reliable UDP option ${name} must be a positive integer, not ${String(o[name])}`);
  };
  (Object.keys(DEFAULT_RELIABLE_UDP_OPTIONS) as (keyof ReliableUdpOptions)[]).forEach(positive);
  if (o.mtu <= HEADER_BYTES || o.mtu > MAX_DATAGRAM_BYTES) throw new RangeError(`Reliable UDP MTU must be between ${HEADER_BYTES + 1} and ${MAX_DATAGRAM_BYTES} bytes, not ${o.mtu}`);
  if (o.maxMessageBytes < o.mtu - HEADER_BYTES) throw new RangeError(`Reliable UDP maxMessageBytes must hold at least one datagram's payload (${o.mtu - HEADER_BYTES} bytes)`);
  if (o.maxRtoMs < o.initialRtoMs) throw new RangeError('Reliable UDP maxRtoMs must not be below initialRtoMs');
  return o;
}

/** Why a session ended. */
export type SessionEndReason = 'closed' | 'idle' | 'unreachable' | 'replaced' | 'error';

export class ReliableUdpUnreachableError extends Error {
  readonly code = 'PEER_UNREACHABLE';
}

export class ReliableUdpProtocolError extends Error {
  readonly code = 'PROTOCOL_ERROR';
}

interface InFlight {
  readonly bytes: Buffer;
  attempts: number;
  rtoMs: number;
  timer: NodeJS.Timeout;
  /** ACKs that acknowledged a later datagram but not this one. */
  skipped: number;
  fastRetransmitted: boolean;
}

interface Waiting {
  readonly seq: number;
  readonly bytes: Buffer;
  /** The write's callback, on its last fragment: back-pressure is released when it enters the window. */
  readonly done?: () => void;
}

const MAX_FRAGMENTS = 0xffff;
const MAX_SEQ = 0xffffffff;
const CLOSE_REPEATS = 3;
/** ACKs that skip a datagram before it is sent again without waiting for its timer (as TCP's fast retransmit). */
const FAST_RETRANSMIT_SKIPS = 3;

/** A reliable, ordered byte stream over datagrams to one peer. */
export class ReliableUdpSession extends Duplex {
  readonly sessionId: number;
  /** Why the session ended; undefined while it is open. */
  endReason: SessionEndReason | undefined;
  /** Counters, for tests and the dashboard. */
  readonly stats = { sent: 0, retransmitted: 0, received: 0, duplicates: 0 };

  private readonly options: ReliableUdpOptions;
  private readonly transmit: (datagram: Buffer) => void;
  private nextSeq = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly waiting: Waiting[] = [];
  private pendingFinal: ((error?: Error | null) => void) | undefined;
  private expected = 0;
  private readonly held = new Map<number, DataDatagram>();
  private message: Buffer[] = [];
  private messageBytes = 0;
  private heldBytes = 0;
  private peerEndSeq: number | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(sessionId: number, transmit: (datagram: Buffer) => void, options: Partial<ReliableUdpOptions> = {}) {
    // Not half-open: when the peer closes, we finish our side too, as MQTT over TCP expects.
    super({ allowHalfOpen: false });
    this.sessionId = sessionId >>> 0;
    this.transmit = transmit;
    this.options = resolveReliableUdpOptions(options);
    this.touch();
  }

  /** Hands the session a datagram its endpoint decoded for it. */
  receive(d: Datagram): void {
    if (this.destroyed || d.sessionId !== this.sessionId) return;
    this.touch();
    switch (d.type) {
      case 'data':
        this.onData(d);
        break;
      case 'ack':
        this.onAck(d);
        break;
      case 'close':
        this.peerEndSeq = d.endSeq;
        this.maybeEndReadable();
        break;
    }
  }

  /** Ends the session at once, with a reason (the endpoint uses it for idle expiry and replacement). */
  endWith(reason: SessionEndReason, error?: Error): void {
    if (this.destroyed) return;
    this.endReason ??= reason;
    this.destroy(error);
  }

  override _read(): void {
    // Delivery is driven by arriving datagrams; the receive window bounds what is held out of order.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (chunk.length === 0) return callback();
    const room = this.options.mtu - HEADER_BYTES;
    const fragmentsPerMessage = Math.min(MAX_FRAGMENTS, Math.max(1, Math.floor(this.options.maxMessageBytes / room)));
    const fragments = Math.ceil(chunk.length / room);
    if (this.nextSeq + fragments > MAX_SEQ) return callback(new ReliableUdpProtocolError('Reliable UDP sequence numbers exhausted: open a new session'));
    // A write longer than a message may be becomes several messages: the stream carries the same bytes.
    for (let first = 0; first < fragments; first += fragmentsPerMessage) {
      const count = Math.min(fragmentsPerMessage, fragments - first);
      for (let i = 0; i < count; i++) {
        const start = (first + i) * room;
        const payload = chunk.subarray(start, Math.min(start + room, chunk.length));
        const seq = this.nextSeq++;
        const last = first + i === fragments - 1;
        const bytes = encodeDatagram({ type: 'data', sessionId: this.sessionId, seq, fragmentIndex: i, fragmentCount: count, payload });
        this.waiting.push(last ? { seq, bytes, done: () => callback() } : { seq, bytes });
      }
    }
    this.pump();
  }

  // MQTT.js corks the stream around each packet, so its pieces (header, topic, payload) travel as one message.
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'binary', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.pendingFinal = callback;
    this.maybeFinish();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.endReason ??= error ? 'error' : 'closed';
    for (const entry of this.inFlight.values()) clearTimeout(entry.timer);
    this.inFlight.clear();
    this.waiting.length = 0;
    this.held.clear();
    this.message = [];
    clearTimeout(this.idleTimer);
    callback(error);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.endWith('idle'), this.options.idleTimeoutMs);
  }

  private send(bytes: Buffer): void {
    try {
      this.transmit(bytes);
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  private pump(): void {
    while (!this.destroyed && this.inFlight.size < this.options.sendWindow && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      const entry: InFlight = { bytes: next.bytes, attempts: 1, rtoMs: this.options.initialRtoMs, timer: undefined as unknown as NodeJS.Timeout, skipped: 0, fastRetransmitted: false };
      entry.timer = setTimeout(() => this.retransmit(next.seq), entry.rtoMs);
      this.inFlight.set(next.seq, entry);
      this.stats.sent++;
      this.send(next.bytes);
      next.done?.();
    }
  }

  private retransmit(seq: number): void {
    const entry = this.inFlight.get(seq);
    if (!entry || this.destroyed) return;
    if (entry.attempts >= this.options.maxAttempts) {
      this.endReason ??= 'unreachable';
      this.destroy(new ReliableUdpUnreachableError(`Reliable UDP peer unreachable: datagram ${seq} unacknowledged after ${entry.attempts} sends`));
      return;
    }
    entry.attempts++;
    entry.rtoMs = Math.min(entry.rtoMs * 2, this.options.maxRtoMs);
    entry.timer = setTimeout(() => this.retransmit(seq), entry.rtoMs);
    this.stats.retransmitted++;
    this.send(entry.bytes);
  }

  private onAck(ack: AckDatagram): void {
    let removed = false;
    for (const [seq, entry] of this.inFlight) {
      if (seq < ack.cumulative || ack.selective.includes(seq)) {
        clearTimeout(entry.timer);
        this.inFlight.delete(seq);
        removed = true;
      }
    }
    // A datagram that later ones overtook three times is most likely lost: send it again now, once, rather than let it
    // hold the send window until its timer fires.
    const highest = ack.selective.length > 0 ? Math.max(...ack.selective) : -1;
    for (const [seq, entry] of this.inFlight) {
      if (seq >= highest) break;
      if (++entry.skipped >= FAST_RETRANSMIT_SKIPS && !entry.fastRetransmitted) {
        entry.fastRetransmitted = true;
        this.stats.retransmitted++;
        this.send(entry.bytes);
      }
    }
    if (!removed) return;
    // The path is alive: later timeouts start again from the initial RTO.
    for (const entry of this.inFlight.values()) entry.rtoMs = this.options.initialRtoMs;
    this.pump();
    this.maybeFinish();
  }

  private onData(d: DataDatagram): void {
    this.stats.received++;
    if (d.seq >= this.expected + this.options.receiveWindow) return;
    if (d.seq < this.expected || this.held.has(d.seq)) {
      this.stats.duplicates++;
    } else {
      // Out-of-order data is held only within the byte budget; the next expected datagram is always taken, so a full
      // budget can never stall the session. Dropped data is not acknowledged and will be sent again.
      if (d.seq !== this.expected && this.heldBytes + d.payload.length > this.options.maxMessageBytes) return;
      this.held.set(d.seq, d);
      this.heldBytes += d.payload.length;
      this.deliverInOrder();
      if (this.destroyed) return;
    }
    this.sendAck();
  }

  private deliverInOrder(): void {
    for (let d = this.held.get(this.expected); d; d = this.held.get(this.expected)) {
      this.held.delete(this.expected);
      this.heldBytes -= d.payload.length;
      this.expected++;
      this.message.push(d.payload);
      this.messageBytes += d.payload.length;
      if (this.messageBytes > this.options.maxMessageBytes) {
        this.destroy(new ReliableUdpProtocolError(`Reliable UDP peer sent a message over ${this.options.maxMessageBytes} bytes`));
        return;
      }
      if (d.fragmentIndex === d.fragmentCount - 1) {
        const whole = this.message.length === 1 ? this.message[0]! : Buffer.concat(this.message);
        this.message = [];
        this.messageBytes = 0;
        this.push(whole);
      }
    }
    this.maybeEndReadable();
  }

  private sendAck(): void {
    const selective = [...this.held.keys()].sort((a, b) => a - b).slice(0, MAX_SELECTIVE_ACKS);
    this.send(encodeDatagram({ type: 'ack', sessionId: this.sessionId, cumulative: this.expected, selective }));
  }

  private maybeEndReadable(): void {
    if (this.peerEndSeq !== undefined && this.expected >= this.peerEndSeq && this.readable) {
      this.endReason ??= 'closed';
      this.push(null);
    }
  }

  private maybeFinish(): void {
    if (!this.pendingFinal || this.inFlight.size > 0 || this.waiting.length > 0) return;
    const done = this.pendingFinal;
    this.pendingFinal = undefined;
    // CLOSE is best effort (sent a few times); the peer's idle expiry covers its loss.
    const close = encodeDatagram({ type: 'close', sessionId: this.sessionId, endSeq: this.nextSeq });
    for (let i = 0; i < CLOSE_REPEATS; i++) this.send(close);
    done();
  }
}
