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

/** The fields of mqtt-packet's Packet that its parser fills for a PUBLISH, in the order it adds them. */
interface PacketFields {
  cmd: string | null;
  retain: boolean;
  qos: number;
  dup: boolean;
  length: number;
  topic: string | null;
  payload: Buffer | null;
  messageId?: number;
  properties?: { topicAlias: number };
}

interface ParserLike {
  _list: unknown;
  _resetState(): void;
  _stateCounter: number;
  _states: readonly string[];
  _pos: number;
  error: Error | null;
  packet: PacketFields;
  settings: { protocolVersion?: number };
  emit(event: 'packet', packet: PacketFields): boolean;
}

/** The Topic Alias property's identifier (MQTT 5 section 3.3.2.3.4). */
const TOPIC_ALIAS = 0x23;

/**
 * Reads a whole PUBLISH at the head of `bytes` into `packet` exactly as mqtt-packet's states would (its header, remaining
 * length, topic, packet id, properties when they are none or only a Topic Alias, payload), and consumes it. Returns
 * false, having changed nothing, for anything else (another packet type, an incomplete or odd packet, other
 * properties): the library's own states read those, and report what is wrong with them.
 */
function readPlainPublish(bytes: PacketBytes, packet: PacketFields, v5: boolean): boolean {
  const available = bytes.length;
  if (available < 2) return false;
  const first = bytes.readUInt8(0);
  if (first >> 4 !== 3) return false;
  const qos = (first >> 1) & 3;
  if (qos === 3) return false;
  // Remaining length: at most four bytes.
  let length = 0;
  let mul = 1;
  let at = 1;
  for (;;) {
    if (at >= available || at > 4) return false;
    const b = bytes.readUInt8(at++);
    length += (b & 0x7f) * mul;
    mul *= 0x80;
    if ((b & 0x80) === 0) break;
  }
  const header = at;
  if (available - header < length) return false;
  // Offsets from here on count from the end of the fixed header, as the library's `_pos` does.
  if (length < 2) return false;
  const topicLength = bytes.readUInt16BE(header);
  let pos = 2 + topicLength;
  if (pos > length) return false;
  let messageId: number | undefined;
  if (qos > 0) {
    if (pos + 2 > length) return false;
    messageId = bytes.readUInt16BE(header + pos);
    pos += 2;
  }
  let topicAlias: number | undefined;
  if (v5) {
    if (pos >= length) return false;
    const propertiesLength = bytes.readUInt8(header + pos);
    if (propertiesLength === 3 && pos + 4 <= length && bytes.readUInt8(header + pos + 1) === TOPIC_ALIAS) {
      topicAlias = bytes.readUInt16BE(header + pos + 2);
      pos += 4;
    } else if (propertiesLength === 0) {
      pos += 1;
    } else {
      return false;
    }
  }
  packet.cmd = 'publish';
  packet.retain = (first & 1) !== 0;
  packet.qos = qos;
  packet.dup = (first & 8) !== 0;
  packet.length = length;
  bytes.consume(header);
  packet.topic = bytes.toString('utf8', 2, 2 + topicLength);
  if (messageId !== undefined) packet.messageId = messageId;
  if (topicAlias !== undefined) packet.properties = { topicAlias };
  packet.payload = bytes.slice(pos, length);
  bytes.consume(length);
  return true;
}

const INSTALLED = Symbol('topiary.packetBytes');

/**
 * Makes every mqtt-packet parser created from now on (MQTT.js makes one per connection attempt) keep its unparsed
 * bytes in a PacketBytes instead of a `bl` BufferList, and read a plain PUBLISH (no properties, or only a Topic
 * Alias: nearly every packet a subscriber receives) in one step instead of four states and some twenty debug calls,
 * each of which allocated its arguments: a retained burst of 10,000 messages made 50 MB of garbage in the parser.
 * Every other packet, and anything unusual, goes through the library's own states. Idempotent.
 */
export function useAllocationFreePacketReads(): void {
  const prototype = Object.getPrototypeOf(mqttPacket.parser()) as ParserLike & { [INSTALLED]?: true; parse(buf: Buffer): number };
  if (prototype[INSTALLED]) return;
  const resetState = prototype._resetState;
  prototype._resetState = function (this: ParserLike): void {
    resetState.call(this);
    this._list = new PacketBytes();
  };
  // The library's parse loop, with the PUBLISH step in front of each packet it starts.
  prototype.parse = function (this: ParserLike & Record<string, () => unknown>, buf: Buffer): number {
    if (this.error) this._resetState();
    const list = this._list as PacketBytes;
    list.append(buf);
    const v5 = this.settings.protocolVersion === 5;
    for (;;) {
      if (this._stateCounter === 0 && this.packet.length === -1 && list instanceof PacketBytes && readPlainPublish(list, this.packet, v5)) {
        // As the library's last state does: hand the packet on, then start the next.
        const packet = this.packet;
        this.emit('packet', packet);
        this.packet = new (packet.constructor as new () => PacketFields)();
        this._pos = 0;
        if (this.error) break;
        continue;
      }
      if (!((this.packet.length !== -1 || list.length > 0) && this[this._states[this._stateCounter]!]!() && !this.error)) break;
      this._stateCounter++;
      if (this._stateCounter >= this._states.length) this._stateCounter = 0;
    }
    return list.length;
  };
  prototype[INSTALLED] = true;
}
