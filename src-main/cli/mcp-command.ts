import { TOPIARY_VERSION } from '../core/version';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import type { MessageView } from '../../shared/ipc/common';
import { TopiaryError } from '../../shared/ipc/errors';
import { checkTopicFilter, checkTopicName, topicMatchesFilter } from '../../shared/mqtt/topic-rules';
import { HistoryService } from '../core/history/history-service';
import { checkBroker } from '../lib/broker-check';
import type { ConnectOptions } from '../lib/connect-options';
import { connect } from '../lib';
import { describeFailure, parseFlags, UsageError, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';
import { utf8OrUndefined } from './ndjson-message';

const FLAGS = { ...CONNECTION_FLAGS, 'allow-publish': { type: 'string', multiple: true }, history: { type: 'string' } } as const;

/** The bounds every tool call keeps to; stated in the tool descriptions so the assistant can plan around them. */
export const MCP_LIMITS = {
  connectTimeoutMs: 10_000,
  listMaxMs: 10_000,
  listMaxTopics: 500,
  listMaxMessages: 10_000,
  readMaxMs: 10_000,
  watchMaxMs: 30_000,
  watchMaxMessages: 500,
  /** Bytes of one payload shown in a result; longer ones are cut and marked. */
  payloadPreviewBytes: 4_096,
  /** Bytes of a whole tool result's text. */
  resultBytes: 256 * 1024,
  publishMaxBytes: 256 * 1024,
  publishTimeoutMs: 10_000,
  checkTimeoutMs: 90_000,
  historyMaxMessages: 500,
  historyTimeoutMs: 15_000,
} as const;

const HELP = `Usage: topiary mcp [--allow-publish FILTER...] [connection options]

A Model Context Protocol server over stdio, for an AI assistant (Claude Desktop, an IDE, any MCP client):
it speaks MCP on stdin/stdout and connects to one broker, given by the connection options below.

Tools (each call bounded in time and size; the limits are in the tool descriptions):
  list_topics    topics seen under a filter in a short live subscription, with counts and last values
  read_topic     a topic's current (retained) value, or the next one published within a few seconds
  watch          the messages published under a filter for a bounded time
  check_broker   what the broker supports and how it behaves (as "topiary check")
  publish        publish a message; refused unless the topic matches an --allow-publish filter
  query_history  search the recorded messages of a history store (only with --history FILE)

      --allow-publish FILTER   allow publishing to topics matching FILTER (repeatable; + and #).
                               Without it the server is read-only.
      --history FILE           a Topiary history store (history.db) to search; it must exist, and
                               must not be open in a running app (the store allows one user at a time)

${CONNECTION_HELP}
Examples:
  topiary mcp -u mqtt://127.0.0.1:1883
  topiary mcp -u mqtts://broker.lan:8883 --ca ca.pem --allow-publish 'lab/actuators/#'
  topiary mcp -u mqtt://127.0.0.1:1883 --history ~/.config/Topiary/history/history.db

  In an MCP client's configuration:
  { "mcpServers": { "topiary": { "command": "npx", "args": ["topiary", "mcp", "-u", "mqtt://127.0.0.1:1883"] } } }
`;

interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError?: boolean;
}

function ok(value: unknown): ToolResult {
  let text = JSON.stringify(value, null, 1);
  if (Buffer.byteLength(text) > MCP_LIMITS.resultBytes) {
    text = `${Buffer.from(text).subarray(0, MCP_LIMITS.resultBytes).toString('utf8')}\n… [result cut at ${MCP_LIMITS.resultBytes} bytes]`;
  }
  return { content: [{ type: 'text', text }] };
}

function fail(message: string): ToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** A payload as the assistant reads it: UTF-8 text when it is, base64 otherwise, cut at the preview size. */
function preview(payload: Uint8Array): { payload: string; encoding: 'utf8' | 'base64'; bytes: number; truncated?: true } {
  const cut = payload.byteLength > MCP_LIMITS.payloadPreviewBytes;
  const shown = cut ? payload.subarray(0, MCP_LIMITS.payloadPreviewBytes) : payload;
  // A cut may split a UTF-8 character: the fatal decoder then refuses, so drop up to three trailing bytes.
  let text: string | undefined;
  for (let drop = 0; drop <= (cut ? 3 : 0) && text === undefined; drop++) text = utf8OrUndefined(shown.subarray(0, shown.byteLength - drop));
  return {
    payload: text ?? Buffer.from(shown).toString('base64'),
    encoding: text === undefined ? 'base64' : 'utf8',
    bytes: payload.byteLength,
    ...(cut ? { truncated: true as const } : {}),
  };
}

function describeMessage(m: MessageView): Record<string, unknown> {
  return {
    topic: m.topic,
    ...preview(m.payload),
    qos: m.qos,
    retain: m.retain,
    time: new Date(m.receivedAt).toISOString(),
    ...(m.properties && Object.keys(m.properties).length > 0 ? { properties: { ...m.properties, ...(m.properties.correlationData ? { correlationData: Buffer.from(m.properties.correlationData).toString('base64') } : {}) } } : {}),
  };
}

/**
 * Subscribes to `filter` with a fresh client (at QoS 2 where the messages' own QoS is reported, since a
 * delivery carries the lower of the publish's and the subscription's) and hands each message to `onMessage` until it returns
 * false, `ms` pass, or the call is cancelled; always disconnects.
 */
async function observe(base: ConnectOptions, filter: string, qos: 0 | 2, ms: number, signal: AbortSignal, onMessage: (m: MessageView) => boolean): Promise<void> {
  const client = await connect({ ...base, subscriptions: [], reconnect: { enabled: false }, timeoutMs: MCP_LIMITS.connectTimeoutMs, signal });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        client.off('message', on);
        resolve();
      }
      const on = (m: MessageView): void => {
        if (!onMessage(m)) finish();
      };
      signal.addEventListener('abort', finish, { once: true });
      client.on('message', on);
      client.subscribe(filter, { qos, timeoutMs: MCP_LIMITS.connectTimeoutMs, signal }).then((ack) => {
        const refused = ack.granted.find((g) => !g.ok);
        if (refused) {
          clearTimeout(timer);
          client.off('message', on);
          reject(new TopiaryError('TOPIC_ERROR', `The broker refused the subscription to "${filter}" (${refused.reason ?? `reason code 0x${refused.reasonCode.toString(16)}`}).`));
        }
      }, (e: unknown) => {
        clearTimeout(timer);
        client.off('message', on);
        reject(e instanceof Error ? e : new Error(String(e)));
      });
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function filterError(filter: string): string | undefined {
  const check = checkTopicFilter(filter);
  return check.ok ? undefined : `"${filter}" is not a valid topic filter: ${check.message ?? 'invalid'}`;
}

/** The MCP server with its tools; query_history only when a history store was given. */
async function createServer(base: ConnectOptions, allowPublish: readonly string[], history: HistoryService | undefined) {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const server = new McpServer({ name: 'topiary', version: TOPIARY_VERSION }, { instructions: `Topiary's MQTT tools for the broker ${base.url ?? base.profile ?? ''}. ${allowPublish.length ? `Publishing is allowed to topics matching: ${allowPublish.join(', ')}.` : 'Read-only: publishing is refused.'}` });
  const guard = async (work: () => Promise<ToolResult>): Promise<ToolResult> => {
    try {
      return await work();
    } catch (e) {
      return fail(describeFailure(e));
    }
  };

  server.registerTool(
    'list_topics',
    {
      title: 'List topics',
      description:
        `Lists the topics under an MQTT filter that the broker delivers during a short live subscription (retained values arrive at once; others only if published meanwhile), ` +
        `with the number of messages seen, whether the last was retained, and its value. Bounded: at most ${MCP_LIMITS.listMaxMs} ms (default 2000), ` +
        `${MCP_LIMITS.listMaxTopics} topics, ${MCP_LIMITS.listMaxMessages} messages; values cut at ${MCP_LIMITS.payloadPreviewBytes} bytes; the whole result at ${MCP_LIMITS.resultBytes} bytes.`,
      inputSchema: {
        filter: z.string().default('#').describe('MQTT topic filter, + and # wildcards (default "#")'),
        durationMs: z.number().int().min(100).max(MCP_LIMITS.listMaxMs).default(2000).describe('how long to listen, in ms'),
        maxTopics: z.number().int().min(1).max(MCP_LIMITS.listMaxTopics).default(100).describe('most topics to return'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ filter, durationMs, maxTopics }, extra) =>
      guard(async () => {
        const bad = filterError(filter);
        if (bad) return fail(bad);
        const topics = new Map<string, { count: number; last: MessageView }>();
        let messages = 0;
        let unlisted = 0;
        await observe(base, filter, 0, durationMs, extra.signal, (m) => {
          messages++;
          const known = topics.get(m.topic);
          if (known) {
            known.count++;
            known.last = m;
          } else if (topics.size < maxTopics) topics.set(m.topic, { count: 1, last: m });
          else unlisted++;
          return messages < MCP_LIMITS.listMaxMessages;
        });
        const list = [...topics.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([topic, t]) => ({ topic, count: t.count, retained: t.last.retain, lastTime: new Date(t.last.receivedAt).toISOString(), ...preview(t.last.payload) }));
        return ok({ filter, listenedMs: durationMs, messages, topics: list, ...(unlisted ? { messagesOnUnlistedTopics: unlisted } : {}) });
      }),
  );

  server.registerTool(
    'read_topic',
    {
      title: 'Read a topic',
      description:
        `Reads one topic's value: its retained message, or else the next message published to it. Waits at most ${MCP_LIMITS.readMaxMs} ms (default 3000); ` +
        `the value is cut at ${MCP_LIMITS.payloadPreviewBytes} bytes (UTF-8 text, or base64 when not text). For earlier values use query_history, when offered.`,
      inputSchema: {
        topic: z.string().describe('a topic name, without wildcards'),
        waitMs: z.number().int().min(100).max(MCP_LIMITS.readMaxMs).default(3000).describe('how long to wait for a value, in ms'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ topic, waitMs }, extra) =>
      guard(async () => {
        const check = checkTopicName(topic);
        if (!check.ok) return fail(`"${topic}" is not a topic name: ${check.message ?? 'invalid'}`);
        let found: MessageView | undefined;
        await observe(base, topic, 2, waitMs, extra.signal, (m) => {
          found = m;
          return false;
        });
        return ok(found ? describeMessage(found) : { topic, value: null, note: `No retained value and nothing published within ${waitMs} ms.` });
      }),
  );

  server.registerTool(
    'watch',
    {
      title: 'Watch a filter',
      description:
        `Collects the messages published under an MQTT filter for a bounded time. At most ${MCP_LIMITS.watchMaxMs} ms (default 5000) and ` +
        `${MCP_LIMITS.watchMaxMessages} messages (default 50); each payload cut at ${MCP_LIMITS.payloadPreviewBytes} bytes; the whole result at ${MCP_LIMITS.resultBytes} bytes.`,
      inputSchema: {
        filter: z.string().describe('MQTT topic filter, + and # wildcards'),
        durationMs: z.number().int().min(100).max(MCP_LIMITS.watchMaxMs).default(5000).describe('how long to watch, in ms'),
        maxMessages: z.number().int().min(1).max(MCP_LIMITS.watchMaxMessages).default(50).describe('stop after this many messages'),
        includeRetained: z.boolean().default(true).describe('include the retained messages the broker sends on subscribing'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ filter, durationMs, maxMessages, includeRetained }, extra) =>
      guard(async () => {
        const bad = filterError(filter);
        if (bad) return fail(bad);
        const got: Record<string, unknown>[] = [];
        const started = Date.now();
        await observe(base, filter, 2, durationMs, extra.signal, (m) => {
          if (!includeRetained && m.retain) return true;
          got.push(describeMessage(m));
          return got.length < maxMessages;
        });
        return ok({ filter, watchedMs: Date.now() - started, count: got.length, stoppedAtMax: got.length >= maxMessages, messages: got });
      }),
  );

  server.registerTool(
    'check_broker',
    {
      title: 'Check the broker',
      description:
        `Reports what the broker supports and how it behaves (as "topiary check"): MQTT versions, its CONNACK's promises, and tests of retained messages, sessions, wills, expiry, request/response and round trips. ` +
        `Publishes test messages under topiary-check/… and clears the retained ones. Takes several seconds; at most ${MCP_LIMITS.checkTimeoutMs} ms.`,
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: true },
    },
    (extra) =>
      guard(async () => {
        const signal = AbortSignal.any([extra.signal, AbortSignal.timeout(MCP_LIMITS.checkTimeoutMs)]);
        const aborted = new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(new TopiaryError('TIMEOUT', `The broker check did not finish within ${MCP_LIMITS.checkTimeoutMs} ms.`)), { once: true }),
        );
        return ok(await Promise.race([checkBroker(base), aborted]));
      }),
  );

  server.registerTool(
    'publish',
    {
      title: 'Publish',
      description:
        `Publishes one message and waits for the broker's acknowledgement (at most ${MCP_LIMITS.publishTimeoutMs} ms). ` +
        (allowPublish.length
          ? `Allowed only to topics matching: ${allowPublish.join(', ')}; others are refused. `
          : 'This server is read-only (started without --allow-publish): every publish is refused. ') +
        `Payload at most ${MCP_LIMITS.publishMaxBytes} bytes.`,
      inputSchema: {
        topic: z.string().describe('a topic name, without wildcards'),
        payload: z.string().describe('the payload: text, or base64 with encoding "base64"'),
        encoding: z.enum(['utf8', 'base64']).default('utf8'),
        qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
        retain: z.boolean().default(false),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ topic, payload, encoding, qos, retain }, extra) =>
      guard(async () => {
        const check = checkTopicName(topic);
        if (!check.ok) return fail(`"${topic}" cannot be published to: ${check.message ?? 'invalid'}`);
        if (allowPublish.length === 0) return fail(`Publishing is refused: this Topiary MCP server is read-only (start it with --allow-publish FILTER to allow publishing).`);
        if (!allowPublish.some((f) => topicMatchesFilter(f, topic))) return fail(`Publishing to "${topic}" is refused: it matches none of the allowed filters (${allowPublish.join(', ')}).`);
        const bytes = encoding === 'base64' ? Buffer.from(payload, 'base64') : Buffer.from(payload, 'utf8');
        if (bytes.byteLength > MCP_LIMITS.publishMaxBytes) return fail(`The payload is ${bytes.byteLength} bytes; at most ${MCP_LIMITS.publishMaxBytes} may be published.`);
        const signal = extra.signal;
        const client = await connect({ ...base, subscriptions: [], reconnect: { enabled: false }, timeoutMs: MCP_LIMITS.connectTimeoutMs, signal });
        try {
          const ack = await client.publish(topic, new Uint8Array(bytes), { qos, retain, timeoutMs: MCP_LIMITS.publishTimeoutMs, signal });
          return ok({ topic, bytes: bytes.byteLength, qos, retain, ack: ack.ack, reasonCode: ack.reasonCode, roundTripMs: Math.round(ack.roundTripMs * 10) / 10 });
        } finally {
          await client.end().catch(() => undefined);
        }
      }),
  );

  if (history) {
    server.registerTool(
      'query_history',
      {
        title: 'Query the message history',
        description:
          `Searches the messages recorded in Topiary's history store (given with --history), newest first unless order is "oldest". ` +
          `Bounded: at most ${MCP_LIMITS.historyMaxMessages} messages (default 50), ${MCP_LIMITS.historyTimeoutMs} ms; each payload cut at ${MCP_LIMITS.payloadPreviewBytes} bytes; the whole result at ${MCP_LIMITS.resultBytes} bytes. ` +
          'Pass nextCursor back as cursor for the next page.',
        inputSchema: {
          filter: z.string().default('#').describe('MQTT topic filter, + and # wildcards (default "#")'),
          since: z.string().max(100).optional().describe('inclusive start: an ISO date, epoch ms, or relative ("last 15 min", "2h")'),
          until: z.string().max(100).optional().describe('inclusive end, as since'),
          text: z.string().min(1).max(1000).optional().describe('text the payload contains (case-insensitive, from a word boundary)'),
          order: z.enum(['newest', 'oldest']).default('newest'),
          limit: z.number().int().min(1).max(MCP_LIMITS.historyMaxMessages).default(50),
          cursor: z.string().max(30).optional().describe('nextCursor of a previous page'),
        },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      ({ filter, since, until, text, order, limit, cursor }) =>
        guard(async () => {
          const bad = filterError(filter);
          if (bad) return fail(bad);
          const asTime = (t: string | undefined): string | number | undefined => (t !== undefined && /^\d+$/.test(t) ? Number(t) : t);
          const query = { filters: [filter], order, ...(since !== undefined ? { since: asTime(since) } : {}), ...(until !== undefined ? { until: asTime(until) } : {}), ...(text !== undefined ? { text } : {}) };
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new TopiaryError('TIMEOUT', `The history search did not finish within ${MCP_LIMITS.historyTimeoutMs} ms; narrow it with since, until or a filter.`)), MCP_LIMITS.historyTimeoutMs);
          });
          try {
            const page = await Promise.race([history.query(query, limit, cursor), late]);
            return ok({
              count: page.messages.length,
              nextCursor: page.nextCursor,
              messages: page.messages.map((m) => ({ source: m.source, ...describeMessage(m) })),
            });
          } finally {
            clearTimeout(timer);
          }
        }),
    );
  }

  return server;
}

export const mcpCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const allowPublish = values['allow-publish'] ?? [];
    for (const f of allowPublish) {
      const bad = filterError(f);
      if (bad) throw new UsageError(`--allow-publish ${bad}`);
    }
    const base = connectOptionsFrom(values, io.env);
    let history: HistoryService | undefined;
    if (values.history !== undefined) {
      if (!existsSync(values.history)) throw new TopiaryError('VALIDATION_ERROR', `--history ${values.history}: no such file; give the path of a Topiary history store (history.db).`);
      // Beside the bundled command (dist/lib), or the app's build (dist/main).
      const workerFile = [path.join(__dirname, 'history-worker.cjs'), path.join(__dirname, '../main/history-worker.cjs')].find((f) => existsSync(f));
      if (!workerFile) throw new TopiaryError('HISTORY_ERROR', 'The history worker (history-worker.cjs) is missing beside the topiary command; rebuild with "node scripts/build.mjs lib".');
      history = new HistoryService({ file: values.history, workerFile });
      // Opened now, so a locked or unreadable store is reported at start rather than on the first query.
      await history.open();
      const moved = (await history.status()).movedAside;
      if (moved) io.stderr.write(`warning: ${values.history} was not a usable history store; it was moved to ${String(moved)} and an empty store started.\n`);
    }
    const server = await createServer(base, allowPublish, history);
    const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
    const transport = new StdioServerTransport(io.stdin as unknown as Readable, io.stdout as unknown as Writable);
    // Runs until the client closes our stdin (it ends the session) or Ctrl-C / SIGTERM.
    const ended = new Promise<void>((resolve) => {
      io.stdin.once('end', () => resolve());
      io.stdin.once('close', () => resolve());
      io.interrupted.addEventListener('abort', () => resolve(), { once: true });
      transport.onclose = () => resolve();
    });
    await server.connect(transport);
    io.stderr.write(`topiary mcp: serving ${base.url ?? `profile ${base.profile ?? ''}`} (${allowPublish.length ? `publish allowed to ${allowPublish.join(', ')}` : 'read-only'})\n`);
    await ended;
    await server.close().catch(() => undefined);
    await history?.close().catch(() => undefined);
    return 0;
  },
};
