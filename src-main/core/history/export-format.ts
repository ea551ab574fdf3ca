import { isUtf8 } from 'node:buffer';
import type { MessageProperties } from '../../../shared/ipc/common';
import type { ExportFormat, HistoryMessage } from '../../../shared/ipc/history';
import { decodeProperties } from './message-batch';

/**
 * Exported messages, lossless: the payload as text when it is valid UTF-8, base64 otherwise, with
 * `payloadEncoding` saying which; correlation data (bytes) in base64 too. One object per message:
 *
 *   {"id":1,"source":"profile:a","topic":"t","receivedAt":1767000000000,"qos":1,"retain":false,"dup":false,
 *    "payloadEncoding":"utf8","payload":"21.5","properties":{"userProperties":[["k","v"]]}}
 */
export interface ExportedMessage {
  readonly id?: number;
  readonly source?: string;
  readonly topic: string;
  readonly receivedAt: number;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly payloadEncoding: 'utf8' | 'base64';
  readonly payload: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  /** Asked with `decoded`: what the topic's decoder binding made of the payload (see HistoryDecoded's text). */
  readonly decoded?: string;
  /** Asked with `decoded`: why the binding could not decode it. */
  readonly decodeError?: string;
}

/** Payload bytes as text when they are UTF-8, else base64. */
export function encodePayload(payload: Uint8Array): { readonly payloadEncoding: 'utf8' | 'base64'; readonly payload: string } {
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return isUtf8(buffer) ? { payloadEncoding: 'utf8', payload: buffer.toString('utf8') } : { payloadEncoding: 'base64', payload: buffer.toString('base64') };
}

export function decodePayload(encoding: 'utf8' | 'base64', payload: string): Uint8Array {
  return new Uint8Array(Buffer.from(payload, encoding === 'utf8' ? 'utf8' : 'base64'));
}

/** MQTT 5 properties as JSON: correlation data as base64 under `correlationData`. */
export function propertiesToJson(properties: MessageProperties | undefined): Record<string, unknown> | undefined {
  if (properties === undefined) return undefined;
  const { correlationData, ...rest } = properties;
  return correlationData !== undefined ? { ...rest, correlationData: Buffer.from(correlationData).toString('base64') } : { ...rest };
}

export function propertiesFromJson(json: Readonly<Record<string, unknown>> | undefined): MessageProperties | undefined {
  if (json === undefined) return undefined;
  const { correlationData, ...rest } = json;
  return (typeof correlationData === 'string' ? { ...rest, correlationData: new Uint8Array(Buffer.from(correlationData, 'base64')) } : rest) as MessageProperties;
}

export function toExported(m: HistoryMessage): ExportedMessage {
  const properties = propertiesToJson(m.properties);
  return {
    id: m.id,
    source: m.source,
    topic: m.topic,
    receivedAt: m.receivedAt,
    qos: m.qos,
    retain: m.retain,
    dup: m.dup,
    ...encodePayload(m.payload),
    ...(properties !== undefined ? { properties } : {}),
    ...(m.decoded === undefined ? {} : m.decoded.ok ? { decoded: m.decoded.text } : { decodeError: m.decoded.error }),
  };
}

const CSV_COLUMNS = ['id', 'receivedAt', 'source', 'topic', 'qos', 'retain', 'dup', 'payloadEncoding', 'payload', 'properties'] as const;

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A stored message as the export reads it (history-store.ts's walk), names resolved. */
export interface ExportRow {
  readonly id: number;
  readonly source: string;
  readonly topic: string;
  readonly receivedAt: number;
  /** Stored flags: qos in bits 0–1, retain 4, dup 8, UTF-8 payload 16. */
  readonly flags: number;
  /** The payload's bytes; null when `quoted` stands for them. */
  readonly payload: ArrayBuffer | null;
  /** A UTF-8 payload already as its JSON string (quoted inside SQLite), for JSON and NDJSON. */
  readonly quoted?: string | null;
  readonly props: ArrayBuffer | null;
}

/** Writes messages in one of the export formats, a chunk of text at a time. */
export class ExportFormatter {
  private first = true;
  /** Text, and lines joined elsewhere as UTF-8 bytes (addLines). */
  private readonly parts: (string | Uint8Array)[] = [];
  /** Names as JSON strings: a store has far fewer topics than messages. */
  private readonly quoted = new Map<string, string>();

  /** `decoded`: the CSV has a `decoded` column (the decoded text, or the error), for an export with bindings applied. */
  constructor(
    private readonly format: ExportFormat,
    private readonly options: { readonly decoded?: boolean } = {},
  ) {}

  header(): string {
    switch (this.format) {
      case 'json':
        return '[';
      case 'csv':
        return `${[...CSV_COLUMNS, ...(this.options.decoded === true ? ['decoded'] : [])].join(',')}\r\n`;
      case 'ndjson':
        return '';
    }
  }

  chunk(messages: readonly HistoryMessage[]): string {
    const parts: string[] = [];
    for (const m of messages) {
      const e = toExported(m);
      switch (this.format) {
        case 'ndjson':
          parts.push(`${JSON.stringify(e)}\n`);
          break;
        case 'json':
          parts.push(`${this.first ? '\n' : ',\n'}${JSON.stringify(e)}`);
          break;
        case 'csv':
          parts.push(
            `${[
              String(e.id),
              String(e.receivedAt),
              csvCell(e.source ?? ''),
              csvCell(e.topic),
              String(e.qos),
              String(e.retain),
              String(e.dup),
              e.payloadEncoding,
              csvCell(e.payload),
              e.properties ? csvCell(JSON.stringify(e.properties)) : '',
              ...(this.options.decoded === true ? [csvCell(e.decoded ?? (e.decodeError !== undefined ? `error: ${e.decodeError}` : ''))] : []),
            ].join(',')}\r\n`,
          );
          break;
      }
      this.first = false;
    }
    return parts.join('');
  }

  /**
   * Adds one stored row, written exactly as chunk() writes the same message, without the message and
   * export objects in between (the store says whether the payload is UTF-8); take() returns the text.
   */
  addRow(row: ExportRow): void {
    const utf8 = (row.flags & 16) !== 0;
    const quoted = this.format !== 'csv' && typeof row.quoted === 'string' ? row.quoted : null;
    const bytes = quoted === null ? Buffer.from(row.payload ?? new ArrayBuffer(0)) : null;
    const payload = bytes === null ? '' : utf8 ? bytes.toString('utf8') : bytes.toString('base64');
    const properties = row.props === null ? undefined : propertiesToJson(decodeProperties(new Uint8Array(row.props)));
    const qos = row.flags & 3;
    const retain = (row.flags & 4) !== 0;
    const dup = (row.flags & 8) !== 0;
    const encoding = utf8 ? 'utf8' : 'base64';
    if (this.format === 'csv') {
      this.parts.push(
        `${row.id},${row.receivedAt},${csvCell(row.source)},${csvCell(row.topic)},${qos},${retain},${dup},${encoding},${csvCell(payload)},${properties ? csvCell(JSON.stringify(properties)) : ''}\r\n`,
      );
    } else {
      const json = `{"id":${row.id},"source":${this.quote(row.source)},"topic":${this.quote(row.topic)},"receivedAt":${row.receivedAt},"qos":${qos},"retain":${retain},"dup":${dup},"payloadEncoding":"${encoding}","payload":${quoted ?? JSON.stringify(payload)}${properties ? `,"properties":${JSON.stringify(properties)}` : ''}}`;
      this.parts.push(this.format === 'ndjson' ? `${json}\n` : `${this.first ? '\n' : ',\n'}${json}`);
    }
    this.first = false;
  }

  /** Adds one message's JSON object, made elsewhere exactly as addRow() makes it (HistoryStore.walkLines), for JSON or NDJSON. */
  addLine(json: string): void {
    this.parts.push(this.format === 'ndjson' ? `${json}\n` : `${this.first ? '\n' : ',\n'}${json}`);
    this.first = false;
  }

  /** What separates two lines of addLines(). */
  get lineSeparator(): string {
    return this.format === 'ndjson' ? '\n' : ',\n';
  }

  /** Adds `count` messages' JSON objects made elsewhere, joined by lineSeparator, as UTF-8 bytes. */
  addLines(bytes: Uint8Array, count: number): void {
    if (count === 0) return;
    if (this.format === 'ndjson') this.parts.push(bytes, '\n');
    else this.parts.push(this.first ? '\n' : ',\n', bytes);
    this.first = false;
  }

  /** The rows added since the last take(), as UTF-8 bytes for a file: lines joined elsewhere are not decoded. */
  takeBytes(): Buffer {
    const bytes = Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    this.parts.length = 0;
    return bytes;
  }

  /** The text of the rows added since the last take(). */
  take(): string {
    const text = this.parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8'))).join('');
    this.parts.length = 0;
    return text;
  }

  private quote(name: string): string {
    let quoted = this.quoted.get(name);
    if (quoted === undefined) {
      quoted = JSON.stringify(name);
      if (this.quoted.size < 100_000) this.quoted.set(name, quoted);
    }
    return quoted;
  }

  footer(): string {
    return this.format === 'json' ? (this.first ? ']\n' : '\n]\n') : '';
  }
}
