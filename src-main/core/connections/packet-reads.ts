import mqttPacket from 'mqtt-packet';

/**
 * The bytes a packet parser has received and not yet consumed: the part of `bl`'s BufferList that mqtt-packet's
 * parser uses (append, length, consume, readUInt8/16BE/32BE, slice, toString), with the same results, but reading
 * fields without allocating. `bl` slices a new Buffer view (and an offset pair) for every field it reads and for every
 * consume: about 1 KB of short-lived objects per received PUBLISH, a third of what the core allocated per message
 * under a flood, which filled the young generation every few thousand messages.
 */
export class PacketBytes {
  private chunks: Buffer[] = [];
  /** Where the unconsumed bytes start in chunks[0]. */
  private head = 0;
  length = 0;

  append(chunk: Uint8Array): this {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return this;
    this.chunks.push(buf);
    this.length += buf.length;
    return this;
  }

  consume(bytes: number): this {
    let left = Math.min(Math.trunc(bytes), this.length);
    if (!(left > 0)) return this;
    this.length -= left;
    while (left > 0) {
      const first = this.chunks[0]!;
      const rest = first.length - this.head;
      if (left < rest) {
        this.head += left;
        return this;
      }
      left -= rest;
      this.chunks.shift();
      this.head = 0;
    }
    return this;
  }

  readUInt8(offset = 0): number {
    this.check(offset, 1);
    return this.byteAt(offset);
  }

  readUInt16BE(offset = 0): number {
    this.check(offset, 2);
    return (this.byteAt(offset) << 8) | this.byteAt(offset + 1);
  }

  readUInt32BE(offset = 0): number {
    this.check(offset, 4);
    return this.byteAt(offset) * 0x1000000 + ((this.byteAt(offset + 1) << 16) | (this.byteAt(offset + 2) << 8) | this.byteAt(offset + 3));
  }

  /** Bytes [start, end): a view when they lie in one received chunk (as `bl` gives), else a copy. */
  slice(start = 0, end = this.length): Buffer {
    if (start < 0) start += this.length;
    if (end < 0) end += this.length;
    if (end > this.length) end = this.length;
    if (start < 0) start = 0;
    if (start >= this.length || end <= start) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    const from = this.head + start;
    if (from + (end - start) <= first.length) return first.subarray(from, from + (end - start));
    const out = Buffer.allocUnsafe(end - start);
    let at = 0;
    let skip = from;
    for (const chunk of this.chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const take = Math.min(chunk.length - skip, out.length - at);
      chunk.copy(out, at, skip, skip + take);
      at += take;
      skip = 0;
      if (at === out.length) break;
    }
    return out;
  }

  toString(encoding?: BufferEncoding, start = 0, end = this.length): string {
    const first = this.chunks[0];
    if (first !== undefined && start >= 0 && end <= this.length && end >= start && this.head + end <= first.length) {
      return first.toString(encoding, this.head + start, this.head + end);
    }
    return this.slice(start, end).toString(encoding);
  }

  private byteAt(offset: number): number {
    let at = this.head + offset;
    for (const chunk of this.chunks) {
      if (at < chunk.length) return chunk[at]!;
      at -= chunk.length;
    }
    return 0;
  }

  /** The error a Buffer gives for a read past its end (what `bl` passes on). */
  private check(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.length) {
      throw new RangeError(`The value of "offset" is out of range. It must be >= 0 and <= ${Math.max(0, this.length - size)}. Received ${offset}`);
    }
  }
}

interface ParserLike {
  _list: unknown;
  _resetState(): void;
}

const INSTALLED = Symbol('topiary.packetBytes');

/**
 * Makes every mqtt-packet parser created from now on (MQTT.js makes one per connection attempt) keep its unparsed
 * bytes in a PacketBytes instead of a `bl` BufferList. Idempotent.
 */
export function useAllocationFreePacketReads(): void {
  const prototype = Object.getPrototypeOf(mqttPacket.parser()) as ParserLike & { [INSTALLED]?: true };
  if (prototype[INSTALLED]) return;
  const resetState = prototype._resetState;
  prototype._resetState = function (this: ParserLike): void {
    resetState.call(this);
    this._list = new PacketBytes();
  };
  prototype[INSTALLED] = true;
}
