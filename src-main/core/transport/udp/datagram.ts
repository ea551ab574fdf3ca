// The reliable-UDP datagram format (RELIABILITY.md): a 14-byte header, then a fragment (DATA) or a selective-ack list (ACK).

export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 14;
/** The largest UDP payload over IPv4. */
export const MAX_DATAGRAM_BYTES = 65_507;
/** Selective acks carried in one ACK at most. */
export const MAX_SELECTIVE_ACKS = 64;

export type DatagramType = 'data' | 'ack' | 'close';

const TYPE_CODE: Readonly<Record<DatagramType, number>> = { data: 1, ack: 2, close: 3 };
const CODE_TYPE: Readonly<Record<number, DatagramType>> = { 1: 'data', 2: 'ack', 3: 'close' };

export interface DataDatagram {
  readonly type: 'data';
  readonly sessionId: number;
  readonly seq: number;
  readonly fragmentIndex: number;
  readonly fragmentCount: number;
  readonly payload: Buffer;
}

export interface AckDatagram {
  readonly type: 'ack';
  readonly sessionId: number;
  /** The next sequence number the receiver expects: everything below it has arrived. */
  readonly cumulative: number;
  /** Sequence numbers above `cumulative` that the receiver holds. */
  readonly selective: readonly number[];
}

export interface CloseDatagram {
  readonly type: 'close';
  readonly sessionId: number;
  /** The sender's next unused sequence number: the end of its stream. */
  readonly endSeq: number;
}

export type Datagram = DataDatagram | AckDatagram | CloseDatagram;

/** Encodes a datagram; throws on values the format cannot carry (a programming error, not bad input). */
export function encodeDatagram(d: Datagram): Buffer {
  const extra = d.type === 'data' ? d.payload.length : d.type === 'ack' ? 4 * Math.min(d.selective.length, MAX_SELECTIVE_ACKS) : 0;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + extra);
  buf.writeUInt8(PROTOCOL_VERSION, 0);
  buf.writeUInt8(TYPE_CODE[d.type], 1);
  buf.writeUInt32BE(d.sessionId >>> 0, 2);
  switch (d.type) {
    case 'data':
      if (d.payload.length === 0) throw new Error('A DATA datagram needs a payload');
      if (d.fragmentIndex >= d.fragmentCount) throw new Error(`Fragment index ${d.fragmentIndex} is not below count ${d.fragmentCount}`);
      buf.writeUInt32BE(d.seq, 6);
      buf.writeUInt16BE(d.fragmentIndex, 10);
      buf.writeUInt16BE(d.fragmentCount, 12);
      d.payload.copy(buf, HEADER_BYTES);
      break;
    case 'ack':
      buf.writeUInt32BE(d.cumulative, 6);
      buf.writeUInt32BE(0, 10);
      d.selective.slice(0, MAX_SELECTIVE_ACKS).forEach((seq, i) => buf.writeUInt32BE(seq, HEADER_BYTES + 4 * i));
      break;
    case 'close':
      buf.writeUInt32BE(d.endSeq, 6);
      buf.writeUInt32BE(0, 10);
      break;
  }
  return buf;
}

/** Decodes a datagram, or returns undefined for anything malformed: noise must be dropped, never end a session. */
export function decodeDatagram(buf: Buffer): Datagram | undefined {
  if (buf.length < HEADER_BYTES || buf.length > MAX_DATAGRAM_BYTES) return undefined;
  if (buf.readUInt8(0) !== PROTOCOL_VERSION) return undefined;
  const type = CODE_TYPE[buf.readUInt8(1)];
  const sessionId = buf.readUInt32BE(2);
  const seq = buf.readUInt32BE(6);
  switch (type) {
    case 'data': {
      const fragmentIndex = buf.readUInt16BE(10);
      const fragmentCount = buf.readUInt16BE(12);
      if (fragmentIndex >= fragmentCount || buf.length === HEADER_BYTES) return undefined;
      return { type, sessionId, seq, fragmentIndex, fragmentCount, payload: Buffer.from(buf.subarray(HEADER_BYTES)) };
    }
    case 'ack': {
      const body = buf.length - HEADER_BYTES;
      if (body % 4 !== 0 || body / 4 > MAX_SELECTIVE_ACKS) return undefined;
      const selective: number[] = [];
      for (let at = HEADER_BYTES; at < buf.length; at += 4) selective.push(buf.readUInt32BE(at));
      return { type, sessionId, cumulative: seq, selective };
    }
    case 'close':
      return buf.length === HEADER_BYTES ? { type, sessionId, endSeq: seq } : undefined;
    default:
      return undefined;
  }
}
