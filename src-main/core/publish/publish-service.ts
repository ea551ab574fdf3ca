import { randomUUID } from 'node:crypto';
import type { ConnectionId, Deleted, MessageView } from '../../../shared/ipc/common';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { AckKind, ComposeResult, Draft, HistoryEntry, JobProgress, PreviewResult, PublishResult, RequestResult, SavedMessage, TopicSuggestion, TransformPreviewResult } from '../../../shared/ipc/publish';
import { publishReasonName } from '../../../shared/mqtt/reason-codes';
import { publishRefusalAdvice } from '../../../shared/publish/publish-reason';
import { compileMessage, type ParsedComposedMessage, type RenderedMessage } from './compiled-message';
import type { ComposerStore } from './composer-store';
import { PublishJob } from './publish-job';
import type { LoadedTransform, PayloadTransforms } from './payload-transform';

type SendArgs = ParsedArg<'publish.send'>;

/** The read side of the explorer's topic index that suggestions need (TopicIndex fits). */
export interface TopicLookup {
  idOf(path: string): number | undefined;
  childrenOf(id: number): number[];
  pathOf(id: number): string;
  nameOf(id: number): string;
  hasMessage(id: number): boolean;
  childCountOf(id: number): number;
}

/** What the composer needs from the rest of the core. */
export interface ComposerLink {
  publish(args: SendArgs): Promise<PublishResult>;
  connection(connectionId: ConnectionId): { readonly name: string; readonly protocolVersion: 3 | 4 | 5; readonly receiveMaximum?: number };
  /** Subscribes one filter; resolves with the broker's verdict. */
  subscribe(connectionId: ConnectionId, filter: string): Promise<{ readonly ok: boolean; readonly reason?: string }>;
  unsubscribe(connectionId: ConnectionId, filter: string): Promise<void>;
  /** Filters the user subscribed to on this connection: the composer must not unsubscribe those. */
  userFilters(connectionId: ConnectionId): readonly string[];
  topics(connectionId: ConnectionId): TopicLookup | undefined;
  /** The last PUBREC received for a packet id (from the connection's packet log), for QoS 2 details. */
  pubrec?(connectionId: ConnectionId, packetId: number): { readonly time: number; readonly reasonCode?: number } | undefined;
  progress(progress: JobProgress): void;
}

export interface PublishServiceOptions {
  /** How often running jobs report (ms); a few times a second by default. */
  readonly progressIntervalMs?: number;
  /** Runs payload scripts; without it a message with a transform is refused. */
  readonly transforms?: PayloadTransforms;
}

interface ReplyWaiter {
  readonly topic: string;
  readonly correlation: Uint8Array;
  resolve(message: MessageView): void;
}

const ROOT = 0;

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ackFor(qos: 0 | 1 | 2, queued: boolean | undefined): AckKind {
  if (queued || qos === 0) return 'none';
  return qos === 1 ? 'PUBACK' : 'PUBCOMP';
}

/**
 * The composer in the core: fills templates and encodes payloads, publishes with acknowledgement
 * details, runs repeat and burst jobs off the UI thread, answers MQTT 5 request/response, and keeps
 * saved messages, history and drafts.
 */
export class PublishService {
  private readonly jobs = new Map<string, PublishJob>();
  private readonly waiters = new Map<ConnectionId, Set<ReplyWaiter>>();
  /** Response topics the composer subscribed, with how many requests wait on each. */
  private readonly responseSubscriptions = new Map<string, { count: number; ready: Promise<void> }>();
  private readonly ticker: NodeJS.Timeout;
  /** The last {{counter}} used per connection and (template) topic: each manual send takes the next. */
  private readonly counters = new Map<string, number>();
  private readonly transforms: PayloadTransforms | undefined;

  constructor(
    private readonly link: ComposerLink,
    private readonly store: ComposerStore,
    options: PublishServiceOptions = {},
  ) {
    this.transforms = options.transforms;
    this.ticker = setInterval(() => {
      for (const job of this.jobs.values()) if (job.running) this.link.progress(job.progress());
    }, options.progressIntervalMs ?? 250);
    this.ticker.unref?.();
  }

  preview(message: ParsedComposedMessage, connectionId?: ConnectionId): PreviewResult {
    const { topic, payload } = this.nextRender(message, connectionId);
    return { topic, payload };
  }

  private nextRender(message: ParsedComposedMessage, connectionId?: ConnectionId): RenderedMessage {
    return compileMessage(message).render(connectionId === undefined ? 1 : (this.counters.get(counterKey(connectionId, message.topic)) ?? 0) + 1);
  }

  /** The message as the next send would fill it, with its payload computed by its script; nothing is sent. */
  async previewTransform(message: ParsedComposedMessage, connectionId?: ConnectionId): Promise<TransformPreviewResult> {
    if (!message.transform) throw new TopiaryError('VALIDATION_ERROR', 'This message has no payload script to preview; tick "Compute the payload with a script" and write one.');
    return this.payloadScripts().once(message, this.nextRender(message, connectionId));
  }

  private payloadScripts(): PayloadTransforms {
    if (!this.transforms) throw new TopiaryError('NOT_AVAILABLE', 'Payload scripts are not available in this build (no script sandbox).');
    return this.transforms;
  }

  /** Starts {{counter}} again at 1 for a topic of a connection, or for every topic of it. */
  resetCounter(connectionId: ConnectionId, topic?: string): void {
    if (topic !== undefined) {
      this.counters.delete(counterKey(connectionId, topic));
      return;
    }
    for (const key of [...this.counters.keys()]) if (key.startsWith(counterKey(connectionId, ''))) this.counters.delete(key);
  }

  /** Publishes one composed message and records it in history (failures too). */
  async compose(args: ParsedArg<'publish.compose'>): Promise<ComposeResult> {
    const { connectionId, ...message } = args;
    const info = this.link.connection(connectionId);
    const historyId = randomUUID();
    const entry = (topic: string, bytes: number, extra: Partial<HistoryEntry>): HistoryEntry => ({
      id: historyId,
      at: Date.now(),
      connectionName: info.name,
      message: withoutDefaults(message),
      topic,
      bytes,
      ack: 'none',
      ...extra,
    });
    let rendered: RenderedMessage;
    const key = counterKey(connectionId, message.topic);
    const counter = (this.counters.get(key) ?? 0) + 1;
    try {
      rendered = compileMessage(message).render(counter);
      if (message.transform) rendered = { topic: rendered.topic, payload: (await this.payloadScripts().once(message, rendered)).payload };
      this.counters.set(key, counter);
    } catch (error) {
      this.store.record(entry(message.topic, 0, { error: (error as Error).message }));
      throw error;
    }
    const sentAt = Date.now();
    try {
      const result = await this.link.publish({
        connectionId,
        topic: rendered.topic,
        payload: rendered.payload,
        qos: message.qos,
        retain: message.retain,
        ...(message.properties ? { properties: message.properties } : {}),
      });
      const ack = ackFor(message.qos, result.queued);
      // MQTT 5 leaves out a success reason code; say it rather than show nothing.
      const reasonCode = result.reasonCode ?? (ack !== 'none' && info.protocolVersion === 5 ? 0 : undefined);
      this.store.record(entry(rendered.topic, rendered.payload.length, { ack, ...(reasonCode !== undefined ? { reasonCode } : {}) }));
      const rec = message.qos === 2 && result.packetId !== undefined ? this.link.pubrec?.(connectionId, result.packetId) : undefined;
      return {
        ...result,
        ack,
        ...(rec ? { pubrec: { reasonCode: rec.reasonCode ?? 0, reason: publishReasonName(rec.reasonCode ?? 0), afterMs: Math.max(0, rec.time - sentAt) } } : {}),
        topic: rendered.topic,
        bytes: rendered.payload.length,
        ...(reasonCode !== undefined ? { reasonCode, reason: publishReasonName(reasonCode) } : {}),
        historyId,
        counter,
      };
    } catch (error) {
      const refused = explainRefusal(error, rendered.topic);
      this.store.record(entry(rendered.topic, rendered.payload.length, { error: refused.message, ...(typeof refused.details?.reasonCode === 'number' ? { reasonCode: refused.details.reasonCode } : {}) }));
      throw refused;
    }
  }

  async startJob(args: ParsedArg<'publish.startJob'>): Promise<JobProgress> {
    const info = this.link.connection(args.connectionId);
    let compiled = compileMessage(args.message);
    let loaded: LoadedTransform | undefined;
    const transform = args.message.transform;
    if (transform?.per === 'once') {
      // Computed before the job starts, so a failing script sends nothing; every message carries this payload.
      const base = compiled;
      const payload = (await this.payloadScripts().once(args.message, base.render(1))).payload;
      compiled = { message: base.message, fixed: base.fixed, render: (counter, context) => ({ topic: base.render(counter, context).topic, payload }) };
    } else if (transform) {
      loaded = await this.payloadScripts().load(args.message);
    }
    const perMessage = loaded;
    const job = new PublishJob(
      args.connectionId,
      compiled,
      args.mode,
      { publish: (send) => this.link.publish(send).catch((error: unknown) => Promise.reject(explainRefusal(error, send.topic))) },
      { ...(info.protocolVersion === 5 && info.receiveMaximum !== undefined ? { receiveMaximum: info.receiveMaximum } : {}) },
      (ended) => {
        this.link.progress(ended.progress());
        void perMessage?.unload();
        // Keep the final report a while for a late `publish.listJobs`, then forget it.
        setTimeout(() => this.jobs.delete(ended.jobId), 60_000).unref?.();
      },
      perMessage ? async (rendered) => ({ topic: rendered.topic, payload: (await perMessage.apply(rendered)).payload }) : undefined,
    );
    this.jobs.set(job.jobId, job);
    return job.progress();
  }

  async stopJob(jobId: string): Promise<JobProgress> {
    const job = this.jobs.get(jobId);
    if (!job) throw new TopiaryError('NOT_FOUND', 'That publish job has ended and its report is gone; start it again if needed.');
    return job.stop();
  }

  /** Resolves with the job's final report once it ends. */
  async jobDone(jobId: string): Promise<JobProgress> {
    const job = this.jobs.get(jobId);
    if (!job) throw new TopiaryError('NOT_FOUND', 'No such publish job.');
    return job.done();
  }

  jobList(): JobProgress[] {
    return [...this.jobs.values()].map((j) => j.progress());
  }

  /** MQTT 5 request/response: subscribe to the response topic, publish with correlation data, wait for the matching reply. */
  async request(args: ParsedArg<'publish.request'>): Promise<RequestResult> {
    const { responseTopic, correlation: given, timeoutMs, ...compose } = args;
    const info = this.link.connection(args.connectionId);
    if (info.protocolVersion !== 5) {
      throw new TopiaryError('PROTOCOL_ERROR', 'Request/response needs MQTT 5 (response topic and correlation data are MQTT 5 properties); reconnect with protocol version 5.');
    }
    const correlation = given ?? randomUUID();
    const correlationData = new TextEncoder().encode(correlation);
    await this.holdResponseTopic(args.connectionId, responseTopic);
    let waiter: ReplyWaiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = new Promise<MessageView>((resolve, reject) => {
        waiter = { topic: responseTopic, correlation: correlationData, resolve };
        let set = this.waiters.get(args.connectionId);
        if (!set) this.waiters.set(args.connectionId, (set = new Set()));
        set.add(waiter);
        timer = setTimeout(
          () =>
            reject(
              new TopiaryError('REQUEST_TIMEOUT', `No reply on "${responseTopic}" with correlation "${correlation}" within ${timeoutMs} ms. Check that a responder listens on "${compose.topic}" and answers on the response topic.`, {
                timeoutMs,
              }),
            ),
          timeoutMs,
        );
      });
      const started = performance.now();
      const sent = await this.compose({ ...compose, properties: { ...(compose.properties ?? {}), responseTopic, correlationData } });
      const message = await reply;
      return { sent, correlation, reply: message, latencyMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
      if (waiter) this.waiters.get(args.connectionId)?.delete(waiter);
      await this.releaseResponseTopic(args.connectionId, responseTopic);
    }
  }

  /** Every message of every connection passes here; cheap unless a request waits on that connection. */
  onMessage(connectionId: ConnectionId, message: MessageView): void {
    const set = this.waiters.get(connectionId);
    if (!set || set.size === 0) return;
    for (const waiter of set) {
      if (waiter.topic === message.topic && sameBytes(message.properties?.correlationData, waiter.correlation)) {
        set.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
  }

  /** Completes the last level of `prefix` from the live topic tree. */
  suggestTopics(args: ParsedArg<'publish.suggestTopics'>): TopicSuggestion[] {
    const index = this.link.topics(args.connectionId);
    if (!index) return [];
    const slash = args.prefix.lastIndexOf('/');
    const parentId = slash === -1 ? ROOT : index.idOf(args.prefix.slice(0, slash));
    if (parentId === undefined) return [];
    const partial = args.prefix.slice(slash + 1);
    const out: TopicSuggestion[] = [];
    for (const id of index.childrenOf(parentId)) {
      if (!index.nameOf(id).startsWith(partial)) continue;
      out.push({ topic: index.pathOf(id), hasChildren: index.childCountOf(id) > 0, hasMessage: index.hasMessage(id) });
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    return out.slice(0, args.limit);
  }

  savedList(scope?: string): SavedMessage[] {
    return this.store.saved(scope);
  }

  savedSave(args: ParsedArg<'publish.saveMessage'>): SavedMessage {
    compileMessage(args.message);
    return this.store.save({ id: args.id ?? randomUUID(), name: args.name, scope: args.scope, message: withoutDefaults(args.message), savedAt: Date.now() });
  }

  savedDelete(id: string): Deleted {
    if (!this.store.deleteSaved(id)) throw new TopiaryError('NOT_FOUND', 'That saved message is already gone.');
    return { deleted: 1 };
  }

  history(limit: number): HistoryEntry[] {
    return this.store.history(limit);
  }

  clearHistory(): Deleted {
    return { deleted: this.store.clearHistory() };
  }

  draft(scope: string): Draft | null {
    return this.store.draft(scope);
  }

  setDraft(scope: string, draft: Draft): null {
    this.store.setDraft(scope, draft);
    return null;
  }

  /** Stops every job on a connection that is going away. */
  connectionClosed(connectionId: ConnectionId): void {
    for (const job of this.jobs.values()) if (job.connectionId === connectionId && job.running) void job.stop();
    this.waiters.delete(connectionId);
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all([...this.jobs.values()].map((j) => j.stop()));
    await this.transforms?.close();
    await this.store.flush();
  }

  private async holdResponseTopic(connectionId: ConnectionId, topic: string): Promise<void> {
    const key = `${connectionId}\u0000${topic}`;
    const held = this.responseSubscriptions.get(key);
    if (held) {
      held.count++;
      return held.ready;
    }
    const ready = (async () => {
      if (this.link.userFilters(connectionId).includes(topic)) return;
      const verdict = await this.link.subscribe(connectionId, topic);
      if (!verdict.ok) throw new TopiaryError('PUBLISH_FAILED', verdict.reason ?? `The broker refused a subscription to the response topic "${topic}".`);
    })();
    this.responseSubscriptions.set(key, { count: 1, ready });
    try {
      await ready;
    } catch (error) {
      this.responseSubscriptions.delete(key);
      throw error;
    }
  }

  private async releaseResponseTopic(connectionId: ConnectionId, topic: string): Promise<void> {
    const key = `${connectionId}\u0000${topic}`;
    const held = this.responseSubscriptions.get(key);
    if (!held || --held.count > 0) return;
    this.responseSubscriptions.delete(key);
    if (this.link.userFilters(connectionId).includes(topic)) return;
    await this.link.unsubscribe(connectionId, topic).catch(() => undefined);
  }
}

/** Keeps a message as the user composed it, dropping schema defaults that add nothing. */
function withoutDefaults(message: ParsedComposedMessage): ParsedComposedMessage {
  return message;
}

/** A refused publish as a sentence with the reason's name and what to do. */
function explainRefusal(error: unknown, topic: string): TopiaryError {
  if (!(error instanceof TopiaryError)) return new TopiaryError('PUBLISH_FAILED', `Publishing to "${topic}" failed: ${String((error as Error)?.message ?? error)}`);
  const code = error.details?.reasonCode;
  if (error.code !== 'PUBLISH_FAILED' || typeof code !== 'number') return error;
  return new TopiaryError('PUBLISH_FAILED', `The broker refused the publish to "${topic}": ${publishReasonName(code)} (0x${code.toString(16).padStart(2, '0')}). ${publishRefusalAdvice(code)}`, {
    ...error.details,
    reasonCode: code,
    reason: publishReasonName(code),
  });
}

/** Counters are per connection and per topic as typed (placeholders unfilled), so a templated topic keeps one count. */
function counterKey(connectionId: ConnectionId, topic: string): string {
  return `${connectionId}\u0000${topic}`;
}
