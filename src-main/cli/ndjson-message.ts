import type { MessageView } from '../../shared/ipc/common';
import { TopiaryError } from '../../shared/ipc/errors';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text when the bytes are valid UTF-8 (and so survive a round trip), otherwise undefined. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** One message as a JSON line: lossless (payload as text when UTF-8, base64 otherwise; every property). */
export interface MessageRecord {
  readonly topic: string;
  readonly payload: string;
  readonly encoding: 'utf8' | 'base64';
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly time: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

export function messageToRecord(m: MessageView): MessageRecord {
  const text = utf8OrUndefined(m.payload);
  const p = m.properties;
  const properties = p
    ? {
        ...p,
        ...(p.correlationData ? { correlationData: Buffer.from(p.correlationData).toString('base64') } : {}),
      }
    : undefined;
  return {
    topic: m.topic,
    payload: text ?? Buffer.from(m.payload).toString('base64'),
    encoding: text === undefined ? 'base64' : 'utf8',
    qos: m.qos,
    retain: m.retain,
    dup: m.dup,
    time: new Date(m.receivedAt).toISOString(),
    ...(properties ? { properties } : {}),
  };
}

/** What `topiary pub --stdin` sends for one JSON line. */
export interface RecordToSend {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** Reads one line of `topiary sub --format ndjson` back; the line number goes into the error. */
export function recordFromLine(line: string, lineNo: number): RecordToSend {
  let r: Partial<MessageRecord>;
  try {
    r = JSON.parse(line) as Partial<MessageRecord>;
  } catch (e) {
    throw new TopiaryError('PAYLOAD_ERROR', `Line ${lineNo} of the input is not JSON (${(e as Error).message}); --stdin without -t reads the lines "topiary sub --format ndjson" prints.`);
  }
  if (typeof r !== 'object' || r === null || typeof r.topic !== 'string' || typeof r.payload !== 'string') {
    throw new TopiaryError('PAYLOAD_ERROR', `Line ${lineNo} has no "topic" and "payload" strings; --stdin without -t reads the lines "topiary sub --format ndjson" prints.`);
  }
  const payload = r.encoding === 'base64' ? new Uint8Array(Buffer.from(r.payload, 'base64')) : new TextEncoder().encode(r.payload);
  const { topicAlias: _alias, subscriptionIdentifiers: _ids, correlationData, ...rest } = (r.properties ?? {}) as Record<string, unknown>;
  const properties = r.properties
    ? { ...rest, ...(typeof correlationData === 'string' ? { correlationData: new Uint8Array(Buffer.from(correlationData, 'base64')) } : {}) }
    : undefined;
  return {
    topic: r.topic,
    payload,
    ...(r.qos === 0 || r.qos === 1 || r.qos === 2 ? { qos: r.qos } : {}),
    ...(typeof r.retain === 'boolean' ? { retain: r.retain } : {}),
    ...(properties && Object.keys(properties).length > 0 ? { properties } : {}),
  };
}
