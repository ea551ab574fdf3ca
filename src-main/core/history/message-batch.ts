import type { MessageProperties, MessageView, Qos } from '../../../shared/ipc/common';

/**
 * Messages packed into one transferable buffer, so a batch crosses to the history worker with a
 * single move instead of a structured clone of thousands of small objects.
 *
 * Per message: f64 arrival time, u32 source, u8 flags (qos in bits 0–1, retain 2, dup 3),
 * u32 topic length, u32 payload length, u32 properties length, then the topic (UTF-8),
 * the payload bytes and the properties (encodeProperties), all little-endian.
 */
const HEADER = 8 + 4 + 1 + 4 + 4 + 4;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A message as the store keeps it: the properties already encoded. */
export interface StoredMessageInput {
  readonly source: number;
  readonly receivedAt: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly dup: boolean;
  /** encodeProperties' output, or null when the message had none. */
  readonly properties: Uint8Array | null;
}

/** Properties as JSON bytes; correlation data (bytes) as base64 under its own key. */
export function encodeProperties(properties: MessageProperties | undefined): Uint8Array | null {
  if (properties === undefined) return null;
  const { correlationData, ...rest } = properties;
  const json: Record<string, unknown> = { ...rest };
  if (correlationData !== undefined) json.correlationData64 = Buffer.from(correlationData).toString('base64');
  return Object.keys(json).length === 0 ? null : encoder.encode(JSON.stringify(json));
}

export function decodeProperties(bytes: Uint8Array | null | undefined): MessageProperties | undefined {
  if (bytes === null || bytes === undefined || bytes.length === 0) return undefined;
  const json = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  const { correlationData64, ...rest } = json;
  const out: Record<string, unknown> = { ...rest };
  if (typeof correlationData64 === 'string') out.correlationData = new Uint8Array(Buffer.from(correlationData64, 'base64'));
  return out as MessageProperties;
}

/** Collects messages into a growing buffer; take() hands the bytes over and starts afresh. */
export class MessageBatchWriter {
  private bytes = new Uint8Array(64 * 1024);
  private view = new DataView(this.bytes.buffer);
  private used = 0;
  private messageCount = 0;

  get count(): number {
    return this.messageCount;
  }

  get byteLength(): number {
    return this.used;
  }

  add(source: number, message: MessageView): void {
    const properties = encodeProperties(message.properties);
    // A UTF-8 topic is at most three bytes per UTF-16 unit.
    this.reserve(HEADER + message.topic.length * 3 + message.payload.length + (properties?.length ?? 0));
    const start = this.used;
    const topicLength = encoder.encodeInto(message.topic, this.bytes.subarray(start + HEADER)).written;
    const v = this.view;
    v.setFloat64(start, message.receivedAt, true);
    v.setUint32(start + 8, source, true);
    v.setUint8(start + 12, (message.qos & 3) | (message.retain ? 4 : 0) | (message.dup ? 8 : 0));
    v.setUint32(start + 13, topicLength, true);
    v.setUint32(start + 17, message.payload.length, true);
    v.setUint32(start + 21, properties?.length ?? 0, true);
    let at = start + HEADER + topicLength;
    this.bytes.set(message.payload, at);
    at += message.payload.length;
    if (properties) {
      this.bytes.set(properties, at);
      at += properties.length;
    }
    this.used = at;
    this.messageCount++;
  }

  /** The packed batch (its own ArrayBuffer, ready to transfer); the writer is empty afterwards. */
  take(): { readonly buffer: ArrayBuffer; readonly count: number } {
    const buffer = this.bytes.buffer.slice(0, this.used) as ArrayBuffer;
    const count = this.messageCount;
    this.used = 0;
    this.messageCount = 0;
    return { buffer, count };
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.used + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.used));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/** Reads a packed batch back, one message at a time (payloads are views into the batch). */
export function* readMessageBatch(buffer: ArrayBuffer): Generator<StoredMessageInput> {
  const bytes = new Uint8Array(buffer);
  const v = new DataView(buffer);
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const receivedAt = v.getFloat64(at, true);
    const source = v.getUint32(at + 8, true);
    const flags = v.getUint8(at + 12);
    const topicLength = v.getUint32(at + 13, true);
    const payloadLength = v.getUint32(at + 17, true);
    const propertiesLength = v.getUint32(at + 21, true);
    let p = at + HEADER;
    const topic = decoder.decode(bytes.subarray(p, p + topicLength));
    p += topicLength;
    const payload = bytes.subarray(p, p + payloadLength);
    p += payloadLength;
    const properties = propertiesLength > 0 ? bytes.subarray(p, p + propertiesLength) : null;
    p += propertiesLength;
    at = p;
    yield { source, receivedAt, topic, payload, qos: (flags & 3) as Qos, retain: (flags & 4) !== 0, dup: (flags & 8) !== 0, properties };
  }
}
