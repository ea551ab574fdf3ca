import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import type { MessageProperties, MessageView, Qos } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import { topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import { decodePayload, encodePayload, propertiesFromJson, propertiesToJson } from './export-format';

/** Record, read and replay captures: the line-based format of CAPTURE-FORMAT.md beside this file. */

export const CAPTURE_VERSION = 1;

export interface CaptureHeader {
  readonly topiaryCapture: number;
  readonly startedAt: number;
  readonly filters?: readonly string[];
  readonly source?: string;
}

/** One message of a capture, decoded. */
export interface CaptureMessage {
  /** Milliseconds since the capture started. */
  readonly t: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly properties?: MessageProperties;
}

/** A malformed capture line; `details.line` counts from 1 (the header). */
export class CaptureError extends TopiaryError {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super('VALIDATION_ERROR', `Line ${line} of ${file}: ${reason}`, { file, line });
  }
}

/** The text of one message line (with its newline). */
export function captureLine(message: MessageView, startedAt: number): string {
  const properties = propertiesToJson(message.properties);
  return `${JSON.stringify({
    t: Math.max(0, message.receivedAt - startedAt),
    topic: message.topic,
    ...encodePayload(message.payload),
    qos: message.qos,
    retain: message.retain,
    ...(properties !== undefined ? { properties } : {}),
  })}\n`;
}

export interface CaptureRecordOptions {
  readonly file: string;
  /** Only messages on these topic filters (all when empty). */
  readonly filters?: readonly string[];
  /** Stop after this many messages. */
  readonly count?: number;
  /** Stop after this long. */
  readonly durationMs?: number;
  /** For people reading the header: where the messages came from. */
  readonly source?: string;
  readonly startedAt?: number;
}

export interface CaptureRecordReport {
  readonly file: string;
  readonly messages: number;
  readonly durationMs: number;
}

/**
 * Records messages offered to it into a capture file until stopped, or until its count or
 * duration is reached. Whoever owns a connection feeds it with offer().
 */
export class CaptureRecorder {
  readonly done: Promise<CaptureRecordReport>;
  private readonly stream: WriteStream;
  private readonly startedAt: number;
  private readonly filters: readonly string[];
  private messages = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private finish!: (report: CaptureRecordReport) => void;
  private fail!: (error: Error) => void;

  constructor(private readonly options: CaptureRecordOptions) {
    this.startedAt = options.startedAt ?? Date.now();
    this.filters = options.filters && options.filters.length > 0 ? options.filters : ['#'];
    this.done = new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    // Whoever awaits done sees a failure; nobody awaiting must not crash the process.
    this.done.catch(() => undefined);
    this.stream = createWriteStream(options.file, { mode: 0o600 });
    this.stream.on('error', (error) => {
      this.stopped = true;
      this.fail(new TopiaryError('HISTORY_ERROR', `Cannot write the capture ${options.file}: ${error.message}`));
    });
    const header: CaptureHeader = { topiaryCapture: CAPTURE_VERSION, startedAt: this.startedAt, filters: this.filters, ...(options.source !== undefined ? { source: options.source } : {}) };
    this.stream.write(`${JSON.stringify(header)}\n`);
    if (options.durationMs !== undefined) this.timer = setTimeout(() => void this.stop(), options.durationMs);
    if (options.count === 0) void this.stop();
  }

  get recorded(): number {
    return this.messages;
  }

  /** Offers a live message; it is written when it matches the filters and the recording runs. */
  offer(message: MessageView): void {
    if (this.stopped) return;
    if (!this.filters.some((f) => topicMatchesFilter(f, message.topic))) return;
    this.stream.write(captureLine(message, this.startedAt));
    this.messages++;
    if (this.options.count !== undefined && this.messages >= this.options.count) void this.stop();
  }

  /** Stops recording and closes the file; resolves with what was recorded. */
  stop(): Promise<CaptureRecordReport> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer) clearTimeout(this.timer);
      this.stream.end(() => this.finish({ file: this.options.file, messages: this.messages, durationMs: Date.now() - this.startedAt }));
    }
    return this.done;
  }
}

function parseHeader(file: string, text: string): CaptureHeader {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CaptureError(file, 1, 'the header is not JSON; a capture starts with {"topiaryCapture":1,"startedAt":…}.');
  }
  const h = json as Partial<CaptureHeader> | null;
  if (typeof h !== 'object' || h === null || typeof h.topiaryCapture !== 'number') throw new CaptureError(file, 1, 'not a Topiary capture (the first line has no "topiaryCapture" version).');
  if (h.topiaryCapture > CAPTURE_VERSION) throw new CaptureError(file, 1, `capture format version ${h.topiaryCapture} is newer than this Topiary reads (${CAPTURE_VERSION}).`);
  if (typeof h.startedAt !== 'number' || !Number.isFinite(h.startedAt)) throw new CaptureError(file, 1, 'the header has no numeric "startedAt".');
  return h as CaptureHeader;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A message line as parsed and checked, its payload still encoded: what a replay writes straight into packets. */
export interface CaptureLine {
  readonly t: number;
  readonly topic: string;
  readonly payloadEncoding: 'utf8' | 'base64';
  readonly payload: string;
  readonly qos?: Qos;
  readonly retain?: boolean;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** Checks one message line; the parsed object itself is returned, so a check costs no copy. */
function parseLine(file: string, line: number, text: string, previousT: number): CaptureLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CaptureError(file, line, `not JSON (${(error as Error).message}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CaptureError(file, line, 'not a JSON object.');
  const m = json as Record<string, unknown>;
  if (typeof m.t !== 'number' || !Number.isFinite(m.t) || m.t < 0) throw new CaptureError(file, line, '"t" must be a number of milliseconds ≥ 0.');
  if (m.t < previousT) throw new CaptureError(file, line, `"t" goes backwards (${m.t} after ${previousT}).`);
  if (typeof m.topic !== 'string' || m.topic.length === 0 || m.topic.includes('+') || m.topic.includes('#')) throw new CaptureError(file, line, '"topic" must be a topic name without wildcards.');
  if (m.payloadEncoding !== 'utf8' && m.payloadEncoding !== 'base64') throw new CaptureError(file, line, '"payloadEncoding" must be "utf8" or "base64".');
  if (typeof m.payload !== 'string') throw new CaptureError(file, line, '"payload" must be a string.');
  if (m.payloadEncoding === 'base64' && (m.payload.length % 4 !== 0 || !BASE64.test(m.payload))) throw new CaptureError(file, line, '"payload" is not valid base64.');
  const qos = m.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new CaptureError(file, line, '"qos" must be 0, 1 or 2.');
  if (m.retain !== undefined && typeof m.retain !== 'boolean') throw new CaptureError(file, line, '"retain" must be true or false.');
  if (m.properties !== undefined && (typeof m.properties !== 'object' || m.properties === null || Array.isArray(m.properties))) throw new CaptureError(file, line, '"properties" must be an object.');
  return m as unknown as CaptureLine;
}

/** A checked line as a message, its payload decoded to bytes. */
export function toCaptureMessage(line: CaptureLine): CaptureMessage {
  const properties = propertiesFromJson(line.properties);
  return {
    t: line.t,
    topic: line.topic,
    payload: decodePayload(line.payloadEncoding, line.payload),
    qos: line.qos ?? 0,
    retain: line.retain === true,
    ...(properties !== undefined ? { properties } : {}),
  };
}

export interface ReadCaptureOptions {
  /** Skip malformed lines (each reported through onSkip) instead of failing at the first. */
  readonly skipMalformed?: boolean;
  readonly onSkip?: (error: CaptureError) => void;
  /** Called once with the header, before the first message. */
  readonly onHeader?: (header: CaptureHeader) => void;
}

/** Reads a capture line by line; throws a CaptureError naming the line of the first malformed one. */
export async function* readCapture(file: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureMessage> {
  for await (const chunk of readCaptureLines(file, options)) for (const line of chunk) yield toCaptureMessage(line);
}

/**
 * Read chunks of 64 kB: the chunk's text and the lines cut from it stay below V8's large-object size
 * (128 kB), so they die young; with 1 MB chunks a fast replay spent 70% more CPU per message, mostly in
 * collections. Parsing one chunk (about 300 flood messages) holds the event loop well under a millisecond.
 */
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a capture a read-chunk of checked lines at a time: what a fast replay uses, since awaiting each
 * message costs about as much as parsing it. Payloads stay encoded (toCaptureMessage decodes one).
 */
export async function* readCaptureLines(file: string, options: ReadCaptureOptions = {}): AsyncGenerator<CaptureLine[]> {
  // Split by hand rather than through readline: a fast replay reads a million lines, and readline's
  // event per line cost more than the publishing.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  let opened = false;
  stream.once('open', () => {
    opened = true;
  });
  let number = 0;
  let header: CaptureHeader | null = null;
  let previousT = 0;
  const iterator = stream[Symbol.asyncIterator]();
  let rest = '';
  try {
    for (;;) {
      const next = (await iterator.next()) as IteratorResult<string>;
      const text = next.done ? rest : rest + next.value;
      const lines: CaptureLine[] = [];
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end === -1 && !next.done) break;
        const stop = end === -1 ? text.length : end;
        const line = text.charCodeAt(stop - 1) === 13 ? text.slice(start, stop - 1) : text.slice(start, stop);
        start = stop + 1;
        if (end === -1 && line === '') break;
        number++;
        if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) {
          if (end === -1) break;
          continue;
        }
        if (header === null) {
          header = parseHeader(file, line);
          options.onHeader?.(header);
        } else {
          try {
            const parsed = parseLine(file, number, line, previousT);
            previousT = parsed.t;
            lines.push(parsed);
          } catch (error) {
            if (!(error instanceof CaptureError) || options.skipMalformed !== true) throw error;
            options.onSkip?.(error);
          }
        }
        if (end === -1) break;
      }
      if (lines.length > 0) yield lines;
      if (next.done) break;
      rest = text.slice(start);
    }
  } catch (error) {
    if (error instanceof CaptureError) throw error;
    throw new TopiaryError('HISTORY_ERROR', `Cannot read the capture ${file}: ${(error as Error).message}`, { file, opened });
  } finally {
    stream.destroy();
  }
  if (header === null) throw new CaptureError(file, 1, 'the file is empty; a capture starts with a header line.');
}
