import { performance } from 'node:perf_hooks';
import type { MessageProperties, Qos } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import { checkTopicName } from '../../../shared/mqtt/topic-rules';
import { PublishBatch, type PacketWriter } from '../connections/publish-batch';
import { readCaptureLines, toCaptureMessage, type CaptureLine } from './capture';
import { checkCapture } from './capture-check';

/** Replay of a capture (CAPTURE-FORMAT.md) to a broker: at its timing, scaled, or as fast as the broker takes it. */

/** QoS 0 publishes of a replay not yet written, at most, on the per-message path: the bare MQTT.js publisher's window in the benches. */
const QOS0_WINDOW = 500;
/** The batch path writes once this many bytes are encoded... */
const FLUSH_BYTES = 32 * 1024;
/** ...and keeps at most this many handed to the socket and not yet written (the same order as 500 flood messages). */
const UNWRITTEN_BYTES = 128 * 1024;

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
  /**
   * The connection's socket. QoS 0 messages without properties are then encoded and written in batches
   * (publish-batch.ts) rather than published one by one; the rest, and everything while it is not ready,
   * go through `publish`, in order.
   */
  readonly writer?: PacketWriter;
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
  return add ? add + stripped : stripped;
}

/** Yields what `source` yields, asking for the next item as soon as one is handed out: the file is read and parsed while the replay waits on its timer. */
async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  // Awaited below; a failure while nobody awaits (a cancelled replay) must not go unhandled.
  next.catch(() => undefined);
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) return;
      next = iterator.next();
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

/**
 * How early a timed replay's timer wakes before a message is due. A timer fires whole milliseconds late (libuv
 * keeps time in milliseconds) and later still when the machine is busy; the rest of the wait is spent checking the
 * clock between turns of the event loop (setImmediate), which hits the due time to a few microseconds on an idle
 * machine, at up to 2 ms of CPU per message (a fifth of a core at 100 messages a second).
 */
const EARLY_WAKE_MS = 2;

/** Resolves at `due` (performance.now() time), or when the function handed to `onCancel` is called. */
async function until(due: number, onCancel: (cancel: () => void) => void): Promise<void> {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let stop: (() => void) | undefined;
  onCancel(() => {
    cancelled = true;
    clearTimeout(timer);
    stop?.();
  });
  const sleep = due - performance.now() - EARLY_WAKE_MS;
  if (sleep > 0) {
    await new Promise<void>((resolve) => {
      stop = resolve;
      timer = setTimeout(resolve, sleep);
    });
  }
  while (!cancelled && performance.now() < due) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** QoS 0 packets encoded into batches and written to the socket, at most UNWRITTEN_BYTES of them not yet written. */
class BatchOutlet {
  private readonly batch: PublishBatch;
  private unwritten = 0;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly writer: PacketWriter,
    private readonly onWriteError: (count: number, error: Error) => void,
  ) {
    this.batch = new PublishBatch(writer.protocolVersion);
  }

  ready(): boolean {
    return this.writer.ready();
  }

  add(topic: string, line: CaptureLine): ReturnType<PublishBatch['add']> {
    return this.batch.add(topic, { text: line.payload, encoding: line.payloadEncoding }, line.retain === true, this.writer.packetLimit());
  }

  get full(): boolean {
    return this.batch.bytes >= FLUSH_BYTES;
  }

  get congested(): boolean {
    return this.unwritten > UNWRITTEN_BYTES;
  }

  /** Hands what is encoded to the socket. */
  flush(): void {
    if (this.batch.count === 0) return;
    const count = this.batch.count;
    const bytes = this.batch.take();
    this.unwritten += bytes.length;
    this.writer.write(bytes, (error) => {
      this.unwritten -= bytes.length;
      if (error) this.onWriteError(count, error);
      if (this.waiter !== null && this.unwritten <= UNWRITTEN_BYTES / 2) {
        const wake = this.waiter;
        this.waiter = null;
        wake();
      }
    });
  }

  /** Resolves once at most half the window is unwritten (`all`: once everything is written). */
  async drain(all = false): Promise<void> {
    while (all ? this.unwritten > 0 : this.unwritten > UNWRITTEN_BYTES / 2) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}

/**
 * Replays a capture through `publish` (and `writer`, when given). Checks the whole file first: a malformed
 * line fails the replay before anything is sent, unless skipMalformed. Timed replays send each message at
 * start + t / speed on one clock, so a late timer never shifts the messages after it; never before that time, and
 * written as soon as it is due (only messages due at the same time, or already late, share a write).
 */
export function replayCapture(options: ReplayOptions): ReplayControl {
  const speed = options.speed ?? 1;
  if (speed !== 'max' && !(speed >= 0.1 && speed <= 100)) throw new TopiaryError('VALIDATION_ERROR', 'Replay speed must be between 0.1× and 100×, or as fast as possible.', { field: 'speed' });
  const loops = options.loops ?? 1;
  if (!Number.isInteger(loops) || loops < 1) throw new TopiaryError('VALIDATION_ERROR', 'Loops must be a whole number of at least 1.', { field: 'loops' });
  const window = options.window ?? 1000;
  const skipMalformed = options.skipMalformed === true;
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
  const refuse = (why: string, count = 1): void => {
    refused += count;
    if (errors.length < 10) errors.push(why);
  };
  const outlet = options.writer ? new BatchOutlet(options.writer, (count, error) => refuse(error.message, count)) : null;

  const run = async (): Promise<ReplayReport> => {
    const began = performance.now();
    // The check pass: count messages, find malformed lines before sending anything.
    const checked = await checkCapture(options.file, { skipMalformed, onSkip: (e) => skipped.push({ line: e.line, message: e.message }) });
    const perLoop = checked.messages;
    const lastT = checked.lastT;
    total = perLoop * loops;
    const inFlight = new Set<Promise<void>>();
    let unwritten = 0;
    let onWritten: (() => void) | null = null;
    const written = (): void => {
      unwritten--;
      if (onWritten !== null && (unwritten <= QOS0_WINDOW / 2 || unwritten === 0)) {
        const wakeWriter = onWritten;
        onWritten = null;
        wakeWriter();
      }
    };
    // Set at the first message, so opening the file does not eat into the first gap.
    let startWall: number | null = null;
    for (loop = 1; loop <= loops && !cancelled; loop++) {
      const offset = (loop - 1) * lastT;
      for await (const chunk of prefetched(readCaptureLines(options.file, { skipMalformed }))) {
        for (const line of chunk) {
          if (cancelled) break;
          if (paused) {
            outlet?.flush();
            const pausedAt = performance.now();
            await new Promise<void>((resolve) => {
              resumeWaiter = resolve;
            });
            // The pause does not count against the timing.
            if (startWall !== null) startWall += performance.now() - pausedAt;
            if (cancelled) break;
          }
          if (speed !== 'max') {
            startWall ??= performance.now() - (offset + line.t) / speed;
            const due = startWall + (offset + line.t) / speed;
            if (due > performance.now()) {
              // What is due now goes out before the wait, each message at its own time: never held for a later one.
              outlet?.flush();
              await until(due, (cancel) => (wake = cancel));
              wake = null;
              if (cancelled) break;
            }
          }
          const topic = remap(line.topic, options.stripPrefix, options.addPrefix);
          if (outlet !== null && (line.qos ?? 0) === 0 && line.properties === undefined && outlet.ready()) {
            sent++;
            // Checked as any publish is: a remapped topic that is no longer valid is refused, not sent.
            const check = checkTopicName(topic);
            if (!check.ok) {
              refuse(`"${topic}" cannot be published to: ${check.message ?? 'invalid topic'}`);
              continue;
            }
            const added = outlet.add(topic, line);
            if (!added.ok) refuse(`The publish to "${topic}" is ${added.packetBytes} bytes, more than the broker accepts.`);
            if (outlet.full) {
              outlet.flush();
              report();
              if (outlet.congested) await outlet.drain();
            }
            continue;
          }
          // Anything written before goes first: order is kept across both paths.
          outlet?.flush();
          const m = toCaptureMessage(line);
          const message = { topic, payload: m.payload, qos: m.qos, retain: m.retain, ...(m.properties ? { properties: withoutReceiveOnly(m.properties) } : {}) };
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
        // The socket works on this chunk while the next is read.
        outlet?.flush();
        if (cancelled) break;
      }
    }
    loop = Math.min(loop, loops);
    outlet?.flush();
    await outlet?.drain(true);
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
