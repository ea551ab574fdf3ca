import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { PublishPropertiesSchema, QosSchema, TopicFilterSchema, TopicNameSchema, type MessageView } from '../../shared/ipc/common';
import { TopiaryError, type ErrorCode } from '../../shared/ipc/errors';
import { topicMatchesFilter } from '../../shared/mqtt/topic-rules';
import { validationError } from '../core/ipc/serve';
import type { PublishAck, TopiaryClient } from './client';
import { TopiaryClient as Client } from './client';
import type { ConnectOptions } from './connect-options';
import { TopiaryHistory, type HistoryOptions } from './history';

/** A connector's configuration: the connection, and the history store `mqtt:history` reads. */
export interface ConnectorOptions extends ConnectOptions {
  /**
   * The history store for `mqtt:history` (an open one, or where to open it: the app's by default); with
   * `record: true` the messages the connector receives are recorded into it too. Without it, `mqtt:history` answers NOT_AVAILABLE.
   */
  readonly history?: TopiaryHistory | (HistoryOptions & { readonly record?: boolean; readonly source?: string });
}

/** The connector's capabilities, each a group of actions. */
export const CAPABILITIES = ['mqtt:publish', 'mqtt:subscribe', 'mqtt:topics', 'mqtt:connection', 'mqtt:history'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** A failed capability call, as data: the contract's error code under `error`, a sentence, and details. */
export class CapabilityError extends Error {
  readonly error: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(error: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = 'CapabilityError';
    this.error = error;
    this.details = details;
  }

  static from(e: unknown): CapabilityError {
    if (e instanceof CapabilityError) return e;
    if (e instanceof TopiaryError) return new CapabilityError(e.code, e.message, e.details);
    return new CapabilityError('INTERNAL_ERROR', e instanceof Error ? e.message : String(e));
  }

  toJSON(): { readonly error: ErrorCode; readonly message: string; readonly details?: Readonly<Record<string, unknown>> } {
    return { error: this.error, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export interface ConnectorEvents {
  'message-received': [MessageView];
  'message-published': [PublishAck];
  'publish-error': [ReturnType<CapabilityError['toJSON']> & { readonly topic: string }];
  'subscription-error': [ReturnType<CapabilityError['toJSON']> & { readonly filter: string }];
  connected: [{ readonly url: string; readonly sessionPresent: boolean }];
  disconnected: [{ readonly url: string; readonly reason?: string }];
  error: [ReturnType<CapabilityError['toJSON']>];
}

/** One topic as the connector has seen it. */
export interface SeenTopic {
  readonly topic: string;
  readonly count: number;
  readonly retained: boolean;
  readonly lastAt: number;
  readonly lastSize: number;
}

/** Topics remembered for `mqtt:topics list`; beyond this, new topics are counted but not listed. */
const MAX_TOPICS = 100_000;

const Payload = z.union([z.string(), z.instanceof(Uint8Array), z.record(z.string(), z.unknown()), z.array(z.unknown())]);
const PublishWrite = z
  .object({ topic: TopicNameSchema, payload: Payload.default(''), qos: QosSchema.default(0), retain: z.boolean().default(false), properties: PublishPropertiesSchema.partial().passthrough().optional(), wait: z.boolean().optional(), timeoutMs: z.number().int().min(0).optional() })
  .strict();
const SubscribeArgs = z
  .object({
    topic: TopicFilterSchema.optional(),
    topics: z.array(TopicFilterSchema).min(1).max(1000).optional(),
    qos: QosSchema.default(0),
    options: z.object({ noLocal: z.boolean().optional(), retainAsPublished: z.boolean().optional(), retainHandling: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional() }).strict().optional(),
  })
  .strict()
  .refine((a) => a.topic !== undefined || a.topics !== undefined, { message: 'Give topic or topics.' });
const TopicsArgs = z
  .object({ pattern: TopicFilterSchema.default('#'), topic: TopicNameSchema.optional(), payload: Payload.optional(), properties: PublishPropertiesSchema.partial().passthrough().optional(), limit: z.number().int().min(1).max(MAX_TOPICS).default(1000) })
  .strict();
const NoArgs = z.object({}).strict();
const HistoryArgs = z
  .object({
    topic: TopicFilterSchema.optional(),
    since: z.union([z.number(), z.string().min(1).max(100)]).optional(),
    until: z.union([z.number(), z.string().min(1).max(100)]).optional(),
    limit: z.number().int().min(1).max(5000).default(100),
  })
  .strict();

const ACTIONS: Readonly<Record<Capability, readonly string[]>> = {
  'mqtt:publish': ['write'],
  'mqtt:subscribe': ['subscribe', 'unsubscribe'],
  'mqtt:topics': ['list', 'create', 'delete'],
  'mqtt:connection': ['connect', 'disconnect', 'status'],
  'mqtt:history': ['read', 'clear'],
};

function parse<S extends z.ZodType>(schema: S, args: unknown): z.output<S> {
  const r = schema.safeParse(args ?? {});
  if (!r.success) {
    const data = validationError(r.error);
    throw new CapabilityError(data.code, data.message, data.details);
  }
  return r.data;
}

/**
 * The MQTT connector: the library's operations as capability calls (`execute(capability, action, args)`),
 * with events and errors as data. It connects on `mqtt:connection connect` (or the first call that needs it).
 */
export class Connector extends EventEmitter<ConnectorEvents> {
  private client: TopiaryClient | undefined;
  private connecting: Promise<TopiaryClient> | undefined;
  private readonly disabled: ReadonlySet<string>;
  private readonly seen = new Map<string, { count: number; retained: boolean; lastAt: number; lastSize: number }>();
  private history: Promise<TopiaryHistory> | undefined;
  private recording: Promise<{ stop(): Promise<void> }> | undefined;

  constructor(private readonly options: ConnectorOptions) {
    super();
    this.disabled = new Set(options.capabilities?.disabled ?? []);
  }

  /** Runs one action; resolves with its result, rejects with a CapabilityError ({ error, message, details }). */
  async execute(capability: string, action: string, args: unknown = {}): Promise<unknown> {
    try {
      return await this.run(capability, action, args);
    } catch (e) {
      throw CapabilityError.from(e);
    }
  }

  private async run(capability: string, action: string, args: unknown): Promise<unknown> {
    if (!(CAPABILITIES as readonly string[]).includes(capability)) {
      throw new CapabilityError('UNKNOWN_METHOD', `There is no capability "${capability}"; the connector has ${CAPABILITIES.join(', ')}.`, { capability });
    }
    const cap = capability as Capability;
    if (this.disabled.has(cap)) {
      throw new CapabilityError('CAPABILITY_DISABLED', `The capability "${cap}" is disabled in this connector's configuration (capabilities.disabled).`, { capability: cap });
    }
    if (!ACTIONS[cap].includes(action)) {
      throw new CapabilityError('UNKNOWN_METHOD', `"${cap}" has no action "${action}"; it has ${ACTIONS[cap].join(', ')}.`, { capability: cap, action });
    }
    switch (cap) {
      case 'mqtt:publish': {
        const a = parse(PublishWrite, args);
        const client = await this.ensure();
        try {
          const ack = await client.publish(a.topic, a.payload as string, {
            qos: a.qos,
            retain: a.retain,
            ...(a.properties ? { properties: a.properties as never } : {}),
            ...(a.wait !== undefined ? { wait: a.wait } : {}),
            ...(a.timeoutMs !== undefined ? { timeoutMs: a.timeoutMs } : {}),
          });
          this.emit('message-published', ack);
          return ack;
        } catch (e) {
          const error = CapabilityError.from(e);
          this.emit('publish-error', { ...error.toJSON(), topic: a.topic });
          throw error;
        }
      }
      case 'mqtt:subscribe': {
        const a = parse(SubscribeArgs, args);
        const filters = a.topics ?? [a.topic as string];
        const client = await this.ensure();
        if (action === 'unsubscribe') return client.unsubscribe(filters);
        const ack = await client.subscribe(filters, { qos: a.qos, ...(a.options ?? {}) });
        for (const g of ack.granted) {
          if (!g.ok) this.emit('subscription-error', { error: 'TOPIC_ERROR', message: g.reason ?? `The broker refused "${g.filter}".`, details: { reasonCode: g.reasonCode }, filter: g.filter });
        }
        return ack;
      }
      case 'mqtt:topics': {
        const a = parse(TopicsArgs, args);
        if (action === 'list') return this.listTopics(a.pattern, a.limit);
        const topic = a.topic ?? a.pattern;
        const check = TopicNameSchema.safeParse(topic);
        if (!check.success) throw new CapabilityError('TOPIC_ERROR', `"${topic}" is a filter; ${action} needs one topic without wildcards.`, { topic });
        const client = await this.ensure();
        // create: a retained placeholder; delete: an empty retained message, which clears it at the broker.
        const payload = action === 'create' ? (a.payload ?? '') : '';
        const ack = await client.publish(topic, payload as string, { qos: 1, retain: true, ...(action === 'create' && a.properties ? { properties: a.properties as never } : {}) });
        if (action === 'delete') this.seen.delete(topic);
        return ack;
      }
      case 'mqtt:connection': {
        parse(NoArgs, args);
        if (action === 'connect') return (await this.ensure()).info;
        if (action === 'disconnect') {
          const c = this.client;
          this.client = undefined;
          this.connecting = undefined;
          if (c) await c.end();
          return { state: 'disconnected' };
        }
        return this.client?.info ?? { state: 'disconnected' };
      }
      case 'mqtt:history': {
        const a = parse(HistoryArgs, args);
        const history = await this.openHistory();
        const query = { filters: [a.topic ?? '#'], ...(a.since !== undefined ? { since: a.since } : {}), ...(a.until !== undefined ? { until: a.until } : {}) };
        if (action === 'clear') return history.clear(query);
        const page = await history.query({ ...query, order: 'newest' }, { limit: a.limit });
        return { messages: page.messages, more: page.nextCursor !== null };
      }
    }
  }

  private openHistory(): Promise<TopiaryHistory> {
    const h = this.options.history;
    if (h === undefined) throw new CapabilityError('NOT_AVAILABLE', 'Message history is not available: no history store is configured for this connector (history option).', { capability: 'mqtt:history' });
    this.history ??= h instanceof TopiaryHistory ? Promise.resolve(h) : TopiaryHistory.open(h);
    this.history.catch(() => (this.history = undefined));
    return this.history;
  }

  private listTopics(pattern: string, limit: number): { topics: SeenTopic[]; total: number } {
    const topics: SeenTopic[] = [];
    let total = 0;
    for (const [topic, t] of this.seen) {
      if (!topicMatchesFilter(pattern, topic)) continue;
      total++;
      if (topics.length < limit) topics.push({ topic, ...t });
    }
    topics.sort((a, b) => a.topic.localeCompare(b.topic));
    return { topics, total };
  }

  private ensure(): Promise<TopiaryClient> {
    if (this.client) return Promise.resolve(this.client);
    // The history option is the connector's own; the connection never sees it.
    const { history: _history, ...connectOptions } = this.options;
    this.connecting ??= Client.open(connectOptions).then(
      async (c) => {
        const h = this.options.history;
        if (h !== undefined && !(h instanceof TopiaryHistory) && h.record) {
          // Recording is in place before the first subscription, so nothing received goes unrecorded.
          this.recording = this.openHistory().then((history) => history.recordFrom(c, h.source !== undefined ? { source: h.source } : {}));
          try {
            await this.recording;
          } catch (e) {
            this.recording = undefined;
            await c.end();
            throw e;
          }
        }
        this.client = c;
        this.wire(c);
        this.emit('connected', { url: c.info.url, sessionPresent: c.info.broker?.sessionPresent ?? false });
        return c;
      },
      (e: unknown) => {
        this.connecting = undefined;
        throw e;
      },
    );
    return this.connecting;
  }

  private wire(c: TopiaryClient): void {
    c.on('message', (m) => {
      const known = this.seen.get(m.topic);
      if (known) {
        known.count++;
        known.retained = m.retain;
        known.lastAt = m.receivedAt;
        known.lastSize = m.payload.byteLength;
      } else if (this.seen.size < MAX_TOPICS) {
        this.seen.set(m.topic, { count: 1, retained: m.retain, lastAt: m.receivedAt, lastSize: m.payload.byteLength });
      }
      this.emit('message-received', m);
    });
    c.on('connected', (e) => this.emit('connected', { url: e.url, sessionPresent: e.sessionPresent }));
    c.on('disconnected', (e) => this.emit('disconnected', { url: e.url, ...(e.reason ? { reason: e.reason.message } : {}) }));
    c.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', CapabilityError.from(e).toJSON());
    });
  }

  /** Disconnects, if connected, and closes the history store it opened (what it recorded is stored first). */
  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.connecting = undefined;
    const recording = this.recording;
    this.recording = undefined;
    if (recording) await (await recording.catch(() => undefined))?.stop();
    if (c) await c.end();
    const history = this.history;
    this.history = undefined;
    if (history && !(this.options.history instanceof TopiaryHistory)) await (await history.catch(() => undefined))?.close();
  }
}

/** A connector over one broker (or a multi-broker configuration with a strategy); connects on first use. */
export function createConnector(options: ConnectorOptions): Connector {
  return new Connector(options);
}
