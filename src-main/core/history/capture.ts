import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
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
const EMPTY = new Uint8Array(0);

function parseMessage(file: string, line: number, text: string, previousT: number, decode = true): CaptureMessage {
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
  const properties = propertiesFromJson(m.properties as Record<string, unknown> | undefined);
  return {
    t: m.t,
    topic: m.topic,
    payload: decode ? decodePayload(m.payloadEncoding, m.payload) : EMPTY,
    qos,
    retain: m.retain === true,
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
  for await (const chunk of readCaptureChunks(file, options)) yield* chunk;
}

/**
 * Reads a capture a read-chunk of lines at a time (thousands of messages): what a fast replay uses, since
 * awaiting each message costs about as much as parsing it. `decode: false` checks every line but leaves
 * the payloads empty (a check pass).
 */
export async function* readCaptureChunks(file: string, options: ReadCaptureOptions & { readonly decode?: boolean } = {}): AsyncGenerator<CaptureMessage[]> {
  const decode = options.decode !== false;
  // Split by hand rather than through readline: a fast replay reads a million lines, and readline's
  // event per line cost more than the publishing.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
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
      const messages: CaptureMessage[] = [];
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end === -1 && !next.done) break;
        const stop = end === -1 ? text.length : end;
        const line = text.charCodeAt(stop - 1) === 13 ? text.slice(start, stop - 1) : text.slice(start, stop);
        start = stop + 1;
        if (end === -1 && line === '') break;
        number++;
        if (line.trim() === '') {
          if (end === -1) break;
          continue;
        }
        if (header === null) {
          header = parseHeader(file, line);
          options.onHeader?.(header);
        } else {
          try {
            const message = parseMessage(file, number, line, previousT, decode);
            previousT = message.t;
            messages.push(message);
          } catch (error) {
            if (!(error instanceof CaptureError) || options.skipMalformed !== true) throw error;
            options.onSkip?.(error);
          }
        }
        if (end === -1) break;
      }
      if (messages.length > 0) yield messages;
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

/** QoS 0 publishes of a replay not yet written, at most: the bare MQTT.js publisher's window in the benches. */
const QOS0_WINDOW = 500;

/** What a replay publishes; resolves when the broker acknowledged (QoS 1/2), with its reason code, or for QoS 0 when written. */
export type ReplayPublish = (message: {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly properties?: MessageProperties;
}) => Promise<{ readonly reasonCode?: number } | void> | void;

export interface ReplayOptions {
  readonly file: string;
  readonly publish: ReplayPublish;
  /** 1 is the original timing; 0.1 to 100, or 'max' for as fast as the broker takes them. */
  readonly speed?: number | 'max';
  /** Strip this prefix from each topic that has it, then add `addPrefix`. */
  readonly stripPrefix?: string;
  readonly addPrefix?: string;
  /** How many times to play the file (1 by default). */
  readonly loops?: number;
  readonly skipMalformed?: boolean;
  /** At most this many unacknowledged QoS 1/2 publishes at once. Default 1000. */
  readonly window?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayProgress {
  readonly sent: number;
  readonly acknowledged: number;
  readonly refused: number;
  /** Messages a full replay sends (all loops). */
  readonly total: number;
  readonly loop: number;
  readonly paused: boolean;
}

export interface ReplayReport {
  readonly sent: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly cancelled: boolean;
  readonly durationMs: number;
  /** Lines skipped as malformed (only with skipMalformed). */
  readonly skipped: readonly { readonly line: number; readonly message: string }[];
  /** The first few refusals' reasons. */
  readonly errors: readonly string[];
}

export interface ReplayControl {
  pause(): void;
  resume(): void;
  cancel(): void;
  progress(): ReplayProgress;
  readonly done: Promise<ReplayReport>;
}

function remap(topic: string, strip: string | undefined, add: string | undefined): string {
  const stripped = strip && topic.startsWith(strip) ? topic.slice(strip.length) : topic;
  return (add ?? '') + stripped;
}

/**
 * Replays a capture through `publish`. Checks the whole file first: a malformed line fails the
 * replay before anything is sent, unless skipMalformed.
 */
export function replayCapture(options: ReplayOptions): ReplayControl {
  const speed = options.speed ?? 1;
  if (speed !== 'max' && !(speed >= 0.1 && speed <= 100)) throw new TopiaryError('VALIDATION_ERROR', 'Replay speed must be between 0.1× and 100×, or as fast as possible.', { field: 'speed' });
  const loops = options.loops ?? 1;
  if (!Number.isInteger(loops) || loops < 1) throw new TopiaryError('VALIDATION_ERROR', 'Loops must be a whole number of at least 1.', { field: 'loops' });
  const window = options.window ?? 1000;
  let sent = 0;
  let acknowledged = 0;
  let refused = 0;
  let total = 0;
  let loop = 0;
  let paused = false;
  let cancelled = false;
  let resumeWaiter: (() => void) | null = null;
  let wake: (() => void) | null = null;
  const skipped: { line: number; message: string }[] = [];
  const errors: string[] = [];
  const progress = (): ReplayProgress => ({ sent, acknowledged, refused, total, loop, paused });
  let lastReport = 0;
  const report = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    options.onProgress?.(progress());
  };
  const refuse = (why: string): void => {
    refused++;
    if (errors.length < 10) errors.push(why);
  };

  const run = async (): Promise<ReplayReport> => {
    const began = performance.now();
    // The check pass: count messages, find malformed lines before sending anything.
    let perLoop = 0;
    let lastT = 0;
    for await (const chunk of readCaptureChunks(options.file, { decode: false, skipMalformed: options.skipMalformed === true, onSkip: (e) => skipped.push({ line: e.line, message: e.message }) })) {
      perLoop += chunk.length;
      lastT = chunk[chunk.length - 1]?.t ?? lastT;
    }
    total = perLoop * loops;
    const inFlight = new Set<Promise<void>>();
    let unwritten = 0;
    let onWritten: (() => void) | null = null;
    const written = (): void => {
      unwritten--;
      if (onWritten !== null && (unwritten <= QOS0_WINDOW / 2 || unwritten === 0)) {
        const wake = onWritten;
        onWritten = null;
        wake();
      }
    };
    // Set at the first message, so opening the file does not eat into the first gap.
    let startWall: number | null = null;
    for (loop = 1; loop <= loops && !cancelled; loop++) {
      const offset = (loop - 1) * lastT;
      for await (const chunk of readCaptureChunks(options.file, { skipMalformed: options.skipMalformed === true })) {
      for (const m of chunk) {
        if (cancelled) break;
        if (paused) {
          const pausedAt = performance.now();
          await new Promise<void>((resolve) => {
            resumeWaiter = resolve;
          });
          // The pause does not count against the timing.
          if (startWall !== null) startWall += performance.now() - pausedAt;
          if (cancelled) break;
        }
        if (speed !== 'max') {
          startWall ??= performance.now() - (offset + m.t) / speed;
          const due = startWall + (offset + m.t) / speed;
          const wait = due - performance.now();
          if (wait > 1) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, wait);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = null;
            if (cancelled) break;
          }
        }
        const message = { topic: remap(m.topic, options.stripPrefix, options.addPrefix), payload: m.payload, qos: m.qos, retain: m.retain, ...(m.properties ? { properties: withoutReceiveOnly(m.properties) } : {}) };
        let result: ReturnType<ReplayPublish>;
        try {
          result = options.publish(message);
        } catch (error) {
          sent++;
          refuse((error as Error).message);
          continue;
        }
        sent++;
        if (m.qos === 0 && result && typeof (result as Promise<unknown>).then === 'function') {
          // Nothing to acknowledge: a counter, not a tracked promise each, keeps at most QOS0_WINDOW
          // unwritten (publishers resolve QoS 0 on the write), as a bare MQTT.js publisher would.
          unwritten++;
          (result as Promise<unknown>).then(written, (error: unknown) => {
            refuse((error as Error).message);
            written();
          });
          if (unwritten >= QOS0_WINDOW) {
            await new Promise<void>((resolve) => {
              onWritten = resolve;
            });
          }
        } else if (result && typeof (result as Promise<unknown>).then === 'function') {
          const tracked = (result as Promise<{ reasonCode?: number } | void>).then(
            (r) => {
              if (r && r.reasonCode !== undefined && r.reasonCode >= 0x80) refuse(`Reason code 0x${r.reasonCode.toString(16)} for ${message.topic}`);
              else if (m.qos > 0) acknowledged++;
            },
            (error: unknown) => refuse((error as Error).message),
          );
          const entry: Promise<void> = tracked.finally(() => inFlight.delete(entry));
          inFlight.add(entry);
          if (inFlight.size >= window) await Promise.race(inFlight);
        } else if (speed === 'max' && sent % 1000 === 0) {
          // Let the socket drain and the event loop breathe.
          await new Promise((resolve) => setImmediate(resolve));
        }
        report();
      }
      if (cancelled) break;
      }
    }
    loop = Math.min(loop, loops);
    await Promise.all(inFlight);
    while (unwritten > 0) {
      await new Promise<void>((resolve) => {
        onWritten = resolve;
      });
    }
    report(true);
    return { sent, acknowledged, refused, cancelled, durationMs: performance.now() - began, skipped, errors };
  };

  const done = run();
  done.catch(() => undefined);
  return {
    pause: () => {
      paused = true;
      report(true);
    },
    resume: () => {
      paused = false;
      resumeWaiter?.();
      resumeWaiter = null;
      report(true);
    },
    cancel: () => {
      cancelled = true;
      resumeWaiter?.();
      wake?.();
    },
    progress,
    done,
  };
}

/** Subscription identifiers and topic aliases belong to one delivery; a replay does not send them. */
function withoutReceiveOnly(properties: MessageProperties): MessageProperties {
  const { subscriptionIdentifiers: _ids, topicAlias: _alias, ...rest } = properties;
  return rest;
}
