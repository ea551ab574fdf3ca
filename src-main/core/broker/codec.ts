import { isUtf8 } from 'node:buffer';
import type { ForwardedProperties, Message } from './message';
import type { QoS } from './types';

/** Hand-written PUBLISH encoding/decoding: the hot path, kept free of mqtt-packet's generic machinery. */

export function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    buf[pos++] = b;
  } while (n > 0);
  return pos;
}

/** Result of reading a fixed header: total frame length, or a reason the stream is unusable. */
export type FrameHeader = { readonly total: number; readonly remaining: number } | 'incomplete' | 'malformed';

/** Reads the fixed header at `off`: returns the full packet length once the remaining length is known. */
export function readFrameHeader(buf: Buffer, off: number): FrameHeader {
  let mul = 1;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const p = off + 1 + i;
    if (p >= buf.length) return 'incomplete';
    const b = buf[p]!;
    value += (b & 127) * mul;
    if ((b & 128) === 0) return { total: 2 + i + value, remaining: value };
    mul *= 128;
  }
  return 'malformed';
}

/** Properties a client may put on PUBLISH, decoded. */
export interface InboundPublishProperties extends ForwardedProperties {
  readonly messageExpiryInterval?: number;
  readonly topicAlias?: number;
}

/** A decoded inbound PUBLISH. */
export interface InboundPublish {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly packetId: number;
  readonly properties: InboundPublishProperties | undefined;
}

/** Why a PUBLISH could not be decoded; the caller maps this to a reason code. */
export class DecodeError extends Error {
  constructor(readonly reasonCode: number, message: string) {
    super(message);
  }
}

const MALFORMED = 0x81;
const PROTOCOL_ERROR = 0x82;

/** Decodes a complete PUBLISH frame (fixed header included). */
export function decodePublish(frame: Buffer, headerLength: number, v5: boolean): InboundPublish {
  const flags = frame[0]! & 0x0f;
  const qos = ((flags >> 1) & 3) as QoS;
  if ((qos as number) === 3) throw new DecodeError(MALFORMED, 'PUBLISH with both QoS bits set');
  const end = frame.length;
  let pos = headerLength;
  if (pos + 2 > end) throw new DecodeError(MALFORMED, 'PUBLISH too short for its topic length');
  const topicLen = frame.readUInt16BE(pos);
  pos += 2;
  if (pos + topicLen > end) throw new DecodeError(MALFORMED, 'PUBLISH topic runs past the packet');
  const topicBytes = frame.subarray(pos, pos + topicLen);
  if (!isUtf8(topicBytes)) throw new DecodeError(MALFORMED, 'PUBLISH topic is not valid UTF-8');
  const topic = topicBytes.toString('utf8');
  pos += topicLen;
  let packetId = 0;
  if (qos > 0) {
    if (pos + 2 > end) throw new DecodeError(MALFORMED, 'PUBLISH too short for its packet identifier');
    packetId = frame.readUInt16BE(pos);
    pos += 2;
    if (packetId === 0) throw new DecodeError(PROTOCOL_ERROR, 'PUBLISH packet identifier must not be 0');
  }
  let properties: InboundPublishProperties | undefined;
  if (v5) {
    const r = readVarint(frame, pos, end);
    pos = r.next;
    if (r.value > 0) {
      if (pos + r.value > end) throw new DecodeError(MALFORMED, 'PUBLISH properties run past the packet');
      properties = decodePublishProperties(frame, pos, pos + r.value);
      pos += r.value;
    }
  }
  return {
    topic,
    payload: frame.subarray(pos, end),
    qos,
    retain: (flags & 1) === 1,
    dup: (flags & 8) === 8,
    packetId,
    properties,
  };
}

function readVarint(buf: Buffer, pos: number, end: number): { value: number; next: number } {
  let mul = 1;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= end) throw new DecodeError(MALFORMED, 'variable byte integer runs past the packet');
    const b = buf[pos++]!;
    value += (b & 127) * mul;
    if ((b & 128) === 0) return { value, next: pos };
    mul *= 128;
  }
  throw new DecodeError(MALFORMED, 'variable byte integer longer than 4 bytes');
}

function readUtf8(buf: Buffer, pos: number, end: number): { value: string; next: number } {
  if (pos + 2 > end) throw new DecodeError(MALFORMED, 'string length runs past the properties');
  const len = buf.readUInt16BE(pos);
  const s = pos + 2;
  if (s + len > end) throw new DecodeError(MALFORMED, 'string runs past the properties');
  const bytes = buf.subarray(s, s + len);
  if (!isUtf8(bytes)) throw new DecodeError(MALFORMED, 'string property is not valid UTF-8');
  return { value: bytes.toString('utf8'), next: s + len };
}

function decodePublishProperties(buf: Buffer, pos: number, end: number): InboundPublishProperties {
  const out: {
    payloadFormatIndicator?: number;
    messageExpiryInterval?: number;
    topicAlias?: number;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Buffer;
    userProperties?: [string, string][];
  } = {};
  const seen = new Set<number>();
  while (pos < end) {
    const id = buf[pos++]!;
    if (id !== 0x26) {
      if (seen.has(id)) throw new DecodeError(PROTOCOL_ERROR, `property 0x${id.toString(16)} appears twice`);
      seen.add(id);
    }
    switch (id) {
      case 0x01:
        if (pos >= end) throw new DecodeError(MALFORMED, 'truncated property');
        out.payloadFormatIndicator = buf[pos++]!;
        if (out.payloadFormatIndicator > 1) throw new DecodeError(PROTOCOL_ERROR, 'payload format indicator must be 0 or 1');
        break;
      case 0x02:
        if (pos + 4 > end) throw new DecodeError(MALFORMED, 'truncated property');
        out.messageExpiryInterval = buf.readUInt32BE(pos);
        pos += 4;
        break;
      case 0x23:
        if (pos + 2 > end) throw new DecodeError(MALFORMED, 'truncated property');
        out.topicAlias = buf.readUInt16BE(pos);
        pos += 2;
        break;
      case 0x03: {
        const r = readUtf8(buf, pos, end);
        out.contentType = r.value;
        pos = r.next;
        break;
      }
      case 0x08: {
        const r = readUtf8(buf, pos, end);
        if (r.value.includes('+') || r.value.includes('#')) throw new DecodeError(PROTOCOL_ERROR, 'response topic must not contain wildcards');
        out.responseTopic = r.value;
        pos = r.next;
        break;
      }
      case 0x09: {
        if (pos + 2 > end) throw new DecodeError(MALFORMED, 'truncated property');
        const len = buf.readUInt16BE(pos);
        if (pos + 2 + len > end) throw new DecodeError(MALFORMED, 'truncated property');
        out.correlationData = Buffer.from(buf.subarray(pos + 2, pos + 2 + len));
        pos += 2 + len;
        break;
      }
      case 0x26: {
        const k = readUtf8(buf, pos, end);
        const v = readUtf8(buf, k.next, end);
        (out.userProperties ??= []).push([k.value, v.value]);
        pos = v.next;
        break;
      }
      case 0x0b:
        throw new DecodeError(PROTOCOL_ERROR, 'a client must not send a subscription identifier on PUBLISH');
      default:
        throw new DecodeError(PROTOCOL_ERROR, `property 0x${id.toString(16)} is not allowed on PUBLISH`);
    }
  }
  return out;
}

function utf8Len(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Encodes the v5 properties block of an outbound PUBLISH (without its length prefix). */
function encodePublishProperties(
  props: ForwardedProperties | undefined,
  expiry: number | undefined,
  subIds: readonly number[] | undefined,
  alias: number,
): Buffer | undefined {
  let len = 0;
  if (props?.payloadFormatIndicator !== undefined) len += 2;
  if (expiry !== undefined) len += 5;
  if (alias > 0) len += 3;
  if (props?.contentType !== undefined) len += 3 + utf8Len(props.contentType);
  if (props?.responseTopic !== undefined) len += 3 + utf8Len(props.responseTopic);
  if (props?.correlationData !== undefined) len += 3 + props.correlationData.length;
  if (props?.userProperties) for (const [k, v] of props.userProperties) len += 5 + utf8Len(k) + utf8Len(v);
  if (subIds) for (const id of subIds) len += 1 + varintLength(id);
  if (len === 0) return undefined;
  const b = Buffer.allocUnsafe(len);
  let p = 0;
  if (props?.payloadFormatIndicator !== undefined) {
    b[p++] = 0x01;
    b[p++] = props.payloadFormatIndicator;
  }
  if (expiry !== undefined) {
    b[p++] = 0x02;
    b.writeUInt32BE(expiry, p);
    p += 4;
  }
  if (alias > 0) {
    b[p++] = 0x23;
    b.writeUInt16BE(alias, p);
    p += 2;
  }
  const str = (id: number, s: string): void => {
    b[p++] = id;
    const n = b.write(s, p + 2, 'utf8');
    b.writeUInt16BE(n, p);
    p += 2 + n;
  };
  if (props?.contentType !== undefined) str(0x03, props.contentType);
  if (props?.responseTopic !== undefined) str(0x08, props.responseTopic);
  if (props?.correlationData !== undefined) {
    b[p++] = 0x09;
    b.writeUInt16BE(props.correlationData.length, p);
    props.correlationData.copy(b, p + 2);
    p += 2 + props.correlationData.length;
  }
  if (subIds) {
    for (const id of subIds) {
      b[p++] = 0x0b;
      p = writeVarint(b, p, id);
    }
  }
  if (props?.userProperties) {
    for (const [k, v] of props.userProperties) {
      b[p++] = 0x26;
      let n = b.write(k, p + 2, 'utf8');
      b.writeUInt16BE(n, p);
      p += 2 + n;
      n = b.write(v, p + 2, 'utf8');
      b.writeUInt16BE(n, p);
      p += 2 + n;
    }
  }
  return b;
}

/** A Topic Alias on an outbound PUBLISH: `withTopic` false sends the alias alone (the client already knows it). */
export interface OutboundAlias {
  readonly alias: number;
  readonly withTopic: boolean;
}

const NO_TOPIC = Buffer.alloc(0);

/** Encodes an outbound PUBLISH for one subscriber. */
export function encodePublish(
  msg: Message,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
  v5: boolean,
  expiry: number | undefined,
  subIds: readonly number[] | undefined,
  alias?: OutboundAlias,
): Buffer {
  const topic = alias && !alias.withTopic ? NO_TOPIC : (msg.topicBytes ??= Buffer.from(msg.topic, 'utf8'));
  const props = v5 ? encodePublishProperties(msg.properties, expiry, subIds, alias?.alias ?? 0) : undefined;
  const propsLen = props ? props.length : 0;
  const propsField = v5 ? varintLength(propsLen) + propsLen : 0;
  const remaining = 2 + topic.length + (qos > 0 ? 2 : 0) + propsField + msg.payload.length;
  const out = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
  out[0] = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  let p = writeVarint(out, 1, remaining);
  out.writeUInt16BE(topic.length, p);
  p += 2;
  topic.copy(out, p);
  p += topic.length;
  if (qos > 0) {
    out.writeUInt16BE(packetId, p);
    p += 2;
  }
  if (v5) {
    p = writeVarint(out, p, propsLen);
    if (props) {
      props.copy(out, p);
      p += propsLen;
    }
  }
  msg.payload.copy(out, p);
  return out;
}

/** A 4-byte acknowledgement (PUBACK/PUBREC/PUBREL/PUBCOMP) with an optional v5 reason code. */
export function encodeAck(type: 4 | 5 | 6 | 7, packetId: number, reasonCode: number, v5: boolean): Buffer {
  const withReason = v5 && reasonCode !== 0;
  const b = Buffer.allocUnsafe(withReason ? 5 : 4);
  b[0] = (type << 4) | (type === 6 ? 2 : 0);
  b[1] = withReason ? 3 : 2;
  b.writeUInt16BE(packetId, 2);
  if (withReason) b[4] = reasonCode;
  return b;
}
