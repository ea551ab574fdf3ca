import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { TopiaryError } from '../../shared/ipc/errors';
import { publishReasonName } from '../../shared/mqtt/reason-codes';
import { liveContext, parseTemplate, renderTemplate } from '../../shared/publish/template';
import { checkTopicName } from '../../shared/mqtt/topic-rules';
import type { PublishAck, PublishProperties, TopiaryClient } from '../lib/client';
import { connect } from '../lib';
import { endProgress, intFlag, parseFlags, progress, qosFlag, UsageError, type CliIo, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';
import { recordFromLine } from './ndjson-message';

const FLAGS = {
  ...CONNECTION_FLAGS,
  topic: { type: 'string', short: 't' },
  message: { type: 'string', short: 'm' },
  file: { type: 'string', short: 'f' },
  stdin: { type: 'boolean' },
  qos: { type: 'string', short: 'q' },
  retain: { type: 'boolean', short: 'r' },
  count: { type: 'string' },
  interval: { type: 'string' },
  'user-property': { type: 'string', multiple: true },
  'content-type': { type: 'string' },
  expiry: { type: 'string' },
  'response-topic': { type: 'string' },
  'correlation-data': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

const HELP = `Usage: topiary pub -t TOPIC (-m TEXT | -f FILE | --stdin) [options]

Publishes and prints each acknowledgement with its reason code and round-trip time.
Exit code 1 when a publish is refused or the broker cannot be reached, 2 on bad usage.

Message:
  -t, --topic TOPIC          topic to publish to (no wildcards)
  -m, --message TEXT         payload text; placeholders filled per message:
                             {{counter}} {{uuid}} {{timestamp}} {{iso}} {{randomInt 1 10}} ...
  -f, --file FILE            payload from a file, bytes as they are
      --stdin                payload from standard input; without -t, each line is a message as
                             "topiary sub --format ndjson" prints it (topic, payload, properties)
  -q, --qos 0|1|2            quality of service (default 0)
  -r, --retain               retain the message
      --count N              publish N messages (default 1)   --interval MS   pause between them
      --user-property k=v    MQTT 5 user property (repeatable)
      --content-type T       MQTT 5 content type    --expiry S   message expiry in seconds
      --response-topic T     MQTT 5 response topic  --correlation-data D   correlation data (text)
      --quiet                print nothing on success

${CONNECTION_HELP}
Examples:
  topiary pub -t sensors/t1 -m '{"t": {{randomInt 18 25}}}' -q 1
  topiary pub -u mqtts://broker:8883 --ca ca.pem -t cmd/reboot -f payload.bin --count 10 --interval 500
  topiary sub -t 'site/#' --format ndjson --count 100 | topiary pub --stdin -u mqtt://other:1883
`;

function properties(values: ReturnType<typeof parse>['values']): PublishProperties | undefined {
  const user = (values['user-property'] ?? []).map((kv): [string, string] => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--user-property needs key=value, not "${kv}".`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
  const expiry = intFlag(values.expiry, '--expiry', 0, 0xffffffff);
  const responseTopic = values['response-topic'];
  if (responseTopic !== undefined && !checkTopicName(responseTopic).ok) throw new TopiaryError('TOPIC_ERROR', `--response-topic "${responseTopic}" is not a valid topic.`);
  const p: PublishProperties = {
    ...(user.length > 0 ? { userProperties: user } : {}),
    ...(values['content-type'] !== undefined ? { contentType: values['content-type'] } : {}),
    ...(expiry !== undefined ? { messageExpiryInterval: expiry } : {}),
    ...(responseTopic !== undefined ? { responseTopic } : {}),
    ...(values['correlation-data'] !== undefined ? { correlationData: values['correlation-data'] } : {}),
  };
  return Object.keys(p).length > 0 ? p : undefined;
}

function parse(argv: readonly string[]) {
  return parseFlags(argv, FLAGS);
}

function describeAck(a: PublishAck): string {
  const what = a.qos === 0 ? 'sent (QoS 0, no acknowledgement)' : `${a.ack} ${publishReasonName(a.reasonCode)} (0x${a.reasonCode.toString(16).padStart(2, '0')}) in ${a.roundTripMs.toFixed(1)} ms`;
  return `${a.topic}: ${what}`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

export const pubCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parse(argv);
    const sources = [values.message !== undefined, values.file !== undefined, values.stdin === true].filter(Boolean).length;
    if (sources > 1) throw new UsageError('Give the payload one way: -m, -f or --stdin.');
    const records = values.stdin === true && values.topic === undefined;
    if (!records) {
      if (values.topic === undefined) throw new UsageError('Say which topic to publish to with -t TOPIC.');
      const check = checkTopicName(values.topic);
      if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${values.topic}" cannot be published to: ${check.message ?? 'invalid topic'}`);
    }
    const qos = qosFlag(values.qos);
    const count = intFlag(values.count, '--count', 1, 100_000_000) ?? 1;
    const interval = intFlag(values.interval, '--interval', 0, 86_400_000) ?? 0;
    const props = properties(values);
    let fixed: Uint8Array | undefined;
    if (values.file !== undefined) {
      try {
        fixed = readFileSync(values.file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new TopiaryError('PAYLOAD_ERROR', `The payload file ${values.file} ${code === 'ENOENT' ? 'does not exist' : 'cannot be read'}.`);
      }
    }
    if (values.stdin === true && !records) fixed = await readAll(io.stdin);
    const template = values.message !== undefined ? parseTemplate(values.message) : undefined;
    if (template && !template.ok) throw new UsageError(`The message template is invalid: ${template.message}`);

    const client = await connect(connectOptionsFrom(values, io.env, { reconnect: { enabled: false } }));
    let refused = 0;
    const report = (a: PublishAck): void => {
      if (a.qos > 0 && a.reasonCode >= 0x80) refused++;
      if (!values.quiet) io.stdout.write(`${describeAck(a)}\n`);
    };
    try {
      if (records) {
        await publishRecords(client, io, values.qos !== undefined ? qos : undefined, values.retain === true, report);
      } else {
        for (let i = 1; i <= count && !io.interrupted.aborted; i++) {
          const payload = fixed ?? (template?.ok ? renderTemplate(template.template, liveContext(i)) : '');
          const ack = await client.publish(values.topic as string, payload, { qos, retain: values.retain === true, ...(props ? { properties: props } : {}) });
          report(ack);
          if (count > 1) progress(io, `published ${i}/${count}`);
          if (interval > 0 && i < count) await sleep(interval, io.interrupted);
        }
        endProgress(io);
      }
    } finally {
      await client.end();
    }
    if (refused > 0) {
      io.stderr.write(`error: the broker refused ${refused} message${refused === 1 ? '' : 's'}.\n`);
      return 1;
    }
    return 0;
  },
};

async function publishRecords(client: TopiaryClient, io: CliIo, qos: 0 | 1 | 2 | undefined, retain: boolean, report: (a: PublishAck) => void): Promise<void> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const r = recordFromLine(line, n);
    const ack = await client.publish(r.topic, r.payload, {
      qos: qos ?? r.qos ?? 0,
      retain: retain || r.retain === true,
      ...(r.properties ? { properties: r.properties as PublishProperties } : {}),
    });
    report(ack);
    if (io.interrupted.aborted) break;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
