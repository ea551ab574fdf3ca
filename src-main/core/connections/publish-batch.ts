/**
 * QoS 0 PUBLISH packets without properties, encoded back to back into one buffer, for callers that send
 * hundreds of thousands (a replay as fast as the broker takes them). Through MQTT.js each message costs a
 * packet object, a callback, a cork and a write; here it costs a few bytes copied, and a whole batch is one
 * socket write.
 */

/** Where encoded packets go: the socket of a live connection (Connection.packetWriter). */
export interface PacketWriter {
  /** The MQTT version spoken: 5 puts a property length (0) in every PUBLISH. */
  readonly protocolVersion: 3 | 4 | 5;
  /** The largest packet the broker takes (its Maximum Packet Size, or a size it closed the connection over), if known. */
  packetLimit(): number | undefined;
  /** Whether bytes written now go to a connected broker; when false the caller publishes the usual way (which queues). */
  ready(): boolean;
  /** Writes whole packets in order after anything written before; `done` runs once the socket took them, or failed. */
  write(bytes: Buffer, done: (error?: Error | null) => void): void;
}

/** A payload as a capture holds it: text to encode as UTF-8 or base64, or bytes. */
export type BatchPayload = { readonly text: string; readonly encoding: 'utf8' | 'base64' } | Uint8Array;

/** Packets are encoded into slabs this large; a taken batch is a slice of one, the rest of the slab serves the next. */
const SLAB_BYTES = 256 * 1024;

function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** The outcome of add(): the packet's size when it is refused as larger than the broker takes. */
export type AddResult = { readonly ok: true } | { readonly ok: false; readonly packetBytes: number };

/** Encodes QoS 0 publishes into a buffer until taken (take()); a new buffer each batch, since the socket keeps the old one until written. */
export class PublishBatch {
  private buffer: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;
  private packets = 0;

  constructor(private readonly protocolVersion: 3 | 4 | 5) {}

  /** Bytes encoded and not yet taken. */
  get bytes(): number {
    return this.used;
  }

  /** Packets encoded and not yet taken. */
  get count(): number {
    return this.packets;
  }

  /** Appends one PUBLISH (QoS 0, no properties); refuses it unencoded when it is larger than `limit` bytes. */
  add(topic: string, payload: BatchPayload, retain: boolean, limit: number | undefined): AddResult {
    const topicBytes = Buffer.byteLength(topic, 'utf8');
    const payloadBytes = payload instanceof Uint8Array ? payload.byteLength : Buffer.byteLength(payload.text, payload.encoding);
    const remaining = 2 + topicBytes + (this.protocolVersion === 5 ? 1 : 0) + payloadBytes;
    const size = 1 + varintLength(remaining) + remaining;
    if ((limit !== undefined && size > limit) || remaining > 268_435_455 || topicBytes > 65_535) return { ok: false, packetBytes: size };
    if (this.used + size > this.buffer.length) this.grow(size);
    const b = this.buffer;
    let at = this.used;
    b[at++] = retain ? 0x31 : 0x30;
    let n = remaining;
    do {
      let digit = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) digit |= 0x80;
      b[at++] = digit;
    } while (n > 0);
    b[at++] = topicBytes >> 8;
    b[at++] = topicBytes & 0xff;
    at += b.write(topic, at, topicBytes, 'utf8');
    if (this.protocolVersion === 5) b[at++] = 0;
    if (payload instanceof Uint8Array) {
      b.set(payload, at);
      at += payloadBytes;
    } else at += b.write(payload.text, at, payloadBytes, payload.encoding);
    this.used = at;
    this.packets++;
    return { ok: true };
  }

  /** The encoded packets, handed over: the socket owns those bytes now, so the next batch is encoded after them. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.used);
    const rest = this.buffer.subarray(this.used);
    this.buffer = rest.length >= SLAB_BYTES / 8 ? rest : Buffer.allocUnsafe(SLAB_BYTES);
    this.used = 0;
    this.packets = 0;
    return out;
  }

  private grow(size: number): void {
    // Bytes already encoded move to a new slab; a packet bigger than a slab gets a buffer of its own size.
    const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, this.used + size));
    this.buffer.copy(next, 0, 0, this.used);
    this.buffer = next;
  }
}
