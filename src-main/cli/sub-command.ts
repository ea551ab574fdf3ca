import { readFileSync } from 'node:fs';
import type { MessageView } from '../../shared/ipc/common';
import { TopiaryError } from '../../shared/ipc/errors';
import { checkTopicFilter } from '../../shared/mqtt/topic-rules';
import type { DecoderKind } from '../core/decoders/decoded-payload';
import { decodePayload, type DecodeRequest } from '../core/decoders/decode-payload';
import { connect } from '../lib';
import { flushed, intFlag, parseFlags, qosFlag, UsageError, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';
import { messageToRecord, utf8OrUndefined } from './ndjson-message';

const FLAGS = {
  ...CONNECTION_FLAGS,
  topic: { type: 'string', short: 't', multiple: true },
  qos: { type: 'string', short: 'q' },
  count: { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string' },
  decode: { type: 'string' },
  proto: { type: 'string' },
  type: { type: 'string' },
} as const;

const DECODERS = ['auto', 'text', 'json', 'hex', 'base64', 'cbor', 'msgpack', 'sparkplug', 'protobuf'] as const;

const HELP = `Usage: topiary sub -t FILTER... [options]

Prints messages as they arrive until Ctrl-C, --count or --timeout.

  -t, --topic FILTER      topic filter (repeatable; + and # wildcards)
  -q, --qos 0|1|2         subscription QoS (default 0)
      --count N           stop after N messages
      --timeout S         stop after S seconds (exit 1 if --count was not reached by then)
      --format F          text (topic and decoded payload, the default), json (one pretty JSON document
                          per message, decoded), or ndjson (one line per message, lossless: every
                          property, the payload as UTF-8 text or base64; "topiary pub --stdin" reads it)
      --decode D          auto, text, json, hex, base64, cbor, msgpack, sparkplug or protobuf (default auto)
      --proto FILE --type T   the .proto file and message type for --decode protobuf

${CONNECTION_HELP}
Examples:
  topiary sub -t 'sensors/#' -q 1
  topiary sub -t 'spBv1.0/#' --decode sparkplug --format json --count 10
  topiary sub -t 'site/#' --format ndjson --timeout 60 > capture.ndjson
`;

export const subCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const filters = values.topic ?? [];
    if (filters.length === 0) throw new UsageError('Say what to subscribe to with -t FILTER (for everything: -t "#").');
    for (const f of filters) {
      const check = checkTopicFilter(f);
      if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${f}" is not a valid topic filter: ${check.message ?? 'invalid'}`);
    }
    const qos = qosFlag(values.qos);
    const count = intFlag(values.count, '--count', 1, Number.MAX_SAFE_INTEGER);
    const timeoutS = intFlag(values.timeout, '--timeout', 1, 31_536_000);
    const format = values.format ?? 'text';
    if (!['text', 'json', 'ndjson'].includes(format)) throw new UsageError(`--format must be text, json or ndjson, not "${format}".`);
    const decode = values.decode ?? 'auto';
    if (!(DECODERS as readonly string[]).includes(decode)) throw new UsageError(`--decode must be one of ${DECODERS.join(', ')}, not "${decode}".`);
    let request: DecodeRequest = { kind: decode as DecoderKind | 'auto', full: true };
    if (decode === 'protobuf') {
      if (!values.proto || !values.type) throw new UsageError('--decode protobuf needs --proto FILE and --type MESSAGE.');
      let proto: string;
      try {
        proto = readFileSync(values.proto, 'utf8');
      } catch {
        throw new TopiaryError('VALIDATION_ERROR', `The .proto file ${values.proto} cannot be read; check the path.`);
      }
      request = { ...request, schema: { proto, messageType: values.type } };
    }

    const client = await connect(connectOptionsFrom(values, io.env, { subscriptions: filters.map((filter) => ({ filter, qos })) }));
    let received = 0;
    let timedOut = false;
    const done = new Promise<void>((resolve) => {
      const finish = (): void => resolve();
      io.interrupted.addEventListener('abort', finish, { once: true });
      if (timeoutS !== undefined) {
        setTimeout(() => {
          timedOut = true;
          finish();
        }, timeoutS * 1000).unref();
      }
      client.on('message', (m) => {
        if (count !== undefined && received >= count) return;
        received++;
        io.stdout.write(render(m, format, request));
        if (count !== undefined && received >= count) finish();
      });
      client.on('disconnected', (e) => {
        if (e.reason) io.stderr.write(`${e.reason.message}${e.willReconnect ? ' Reconnecting…' : ''}\n`);
      });
      client.on('error', (e) => {
        io.stderr.write(`error: ${e.message}\n`);
        if (!client.connected && client.info.state === 'error') finish();
      });
    });
    await done;
    await client.end();
    await flushed(io.stdout);
    if (client.info.error && !io.interrupted.aborted && !timedOut && (count === undefined || received < count)) return 1;
    if (timedOut && count !== undefined && received < count) {
      io.stderr.write(`error: received ${received} of ${count} messages in ${timeoutS} s.\n`);
      return 1;
    }
    return 0;
  },
};

function render(m: MessageView, format: string, request: DecodeRequest): string {
  if (format === 'ndjson') return `${JSON.stringify(messageToRecord(m))}\n`;
  const decoded = decodePayload(m.payload, { ...request, topic: m.topic });
  if (format === 'json') {
    const value = decoded.ok ? (decoded.value !== undefined ? decoded.value : decoded.text) : (utf8OrUndefined(m.payload) ?? Buffer.from(m.payload).toString('base64'));
    const record = messageToRecord(m);
    return `${JSON.stringify({ topic: m.topic, qos: m.qos, retain: m.retain, time: record.time, decoder: decoded.kind, ...(decoded.ok ? {} : { decodeError: decoded.error }), value, ...(record.properties ? { properties: record.properties } : {}) }, null, 2)}\n`;
  }
  const text = decoded.ok ? decoded.text : `[${decoded.error}] ${Buffer.from(m.payload).toString('hex')}`;
  return `${m.topic} ${text}\n`;
}
