import { isUtf8 } from 'node:buffer';
import type { MessageProperties } from '../../../shared/ipc/common';
import type { ExportFormat, HistoryMessage } from '../../../shared/ipc/history';

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
  };
}

const CSV_COLUMNS = ['id', 'receivedAt', 'source', 'topic', 'qos', 'retain', 'dup', 'payloadEncoding', 'payload', 'properties'] as const;

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes messages in one of the export formats, a chunk of text at a time. */
export class ExportFormatter {
  private first = true;

  constructor(private readonly format: ExportFormat) {}

  header(): string {
    switch (this.format) {
      case 'json':
        return '[';
      case 'csv':
        return `${CSV_COLUMNS.join(',')}\r\n`;
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
            `${[String(e.id), String(e.receivedAt), csvCell(e.source ?? ''), csvCell(e.topic), String(e.qos), String(e.retain), String(e.dup), e.payloadEncoding, csvCell(e.payload), e.properties ? csvCell(JSON.stringify(e.properties)) : ''].join(',')}\r\n`,
          );
          break;
      }
      this.first = false;
    }
    return parts.join('');
  }

  footer(): string {
    return this.format === 'json' ? (this.first ? ']\n' : '\n]\n') : '';
  }
}
