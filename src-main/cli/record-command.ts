import type { MessageView } from '../../shared/ipc/common';
import { TopiaryError } from '../../shared/ipc/errors';
import { checkTopicFilter, topicMatchesFilter } from '../../shared/mqtt/topic-rules';
import { connect, openHistory, record, type TopiaryClient } from '../lib';
import { endProgress, intFlag, parseFlags, progress, qosFlag, UsageError, type CliIo, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';
import { historyStoreFile } from './history-store-flag';

const FLAGS = {
  ...CONNECTION_FLAGS,
  topic: { type: 'string', short: 't', multiple: true },
  qos: { type: 'string', short: 'q' },
  output: { type: 'string', short: 'o' },
  store: { type: 'string' },
  'to-history': { type: 'boolean' },
  source: { type: 'string' },
  duration: { type: 'string' },
  count: { type: 'string' },
} as const;

const HELP = `Usage: topiary record -t FILTER... (-o FILE | --to-history | --store FILE) [--duration S | --count N]

Records the messages published to topic filters, until Ctrl-C, --duration or --count: to a capture file
(NDJSON, one message per line with its relative time, topic, payload, QoS, retain and properties; see
CAPTURE-FORMAT.md; "topiary replay" plays it back), or into a history store.

  -t, --topic FILTER      topic filter (repeatable; default "#")
  -q, --qos 0|1|2         subscription QoS (default 0)
  -o, --output FILE       the capture file to write (replaced if it exists)
      --to-history        record into the app's history store (it must not be open in the app)
      --store FILE        record into this history store (history.db) instead
      --source KEY        the store's source for these messages (default url:<broker URL>)
      --duration S        stop after S seconds
      --count N           stop after N messages

${CONNECTION_HELP}
Examples:
  topiary record -u mqtt://127.0.0.1:1883 -t 'plant/#' -o plant.ndjson --duration 60
  topiary record -t 'sensors/#' --count 1000 -o burst.ndjson
  topiary record --profile Plant -t '#' --to-history
`;

/** Resolves on Ctrl-C or after durationMs. */
function stopSignal(io: CliIo, durationMs: number | undefined): AbortSignal {
  const controller = new AbortController();
  io.interrupted.addEventListener('abort', () => controller.abort(), { once: true });
  if (durationMs !== undefined) setTimeout(() => controller.abort(), durationMs).unref();
  return controller.signal;
}

function showProgress(io: CliIo, client: TopiaryClient, recorded: () => number): () => void {
  if (!io.stderr.isTTY) return () => undefined;
  const timer = setInterval(() => progress(io, `recorded ${recorded()} message(s) from ${client.info.url}`), 250);
  return () => {
    clearInterval(timer);
    endProgress(io);
  };
}

export const recordCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const filters = values.topic && values.topic.length > 0 ? values.topic : ['#'];
    for (const f of filters) {
      const check = checkTopicFilter(f);
      if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${f}" is not a valid topic filter: ${check.message ?? 'invalid'}`);
    }
    const qos = qosFlag(values.qos);
    const targets = [values.output !== undefined, values['to-history'] === true, values.store !== undefined].filter(Boolean).length;
    if (targets !== 1) throw new UsageError('Say where to record with one of -o FILE, --to-history or --store FILE.');
    if (values.duration !== undefined && values.count !== undefined) throw new UsageError('Give --duration or --count, not both.');
    const durationS = intFlag(values.duration, '--duration', 1, 31_536_000);
    const count = intFlag(values.count, '--count', 1, Number.MAX_SAFE_INTEGER);
    const durationMs = durationS !== undefined ? durationS * 1000 : undefined;

    const client = await connect(connectOptionsFrom(values, io.env));
    client.on('disconnected', (e) => {
      if (e.reason) io.stderr.write(`${e.reason.message}${e.willReconnect ? ' Reconnecting…' : ''}\n`);
    });
    client.on('error', () => undefined);
    try {
      if (values.output !== undefined) {
        const recording = await record(client, { file: values.output, filters, qos, ...(count !== undefined ? { count } : {}), ...(durationMs !== undefined ? { durationMs } : {}), signal: io.interrupted });
        const hide = showProgress(io, client, () => recording.recorded);
        const report = await recording.done.finally(hide);
        io.stderr.write(`recorded ${report.messages} message(s) to ${report.file} in ${(report.durationMs / 1000).toFixed(1)} s\n`);
        return 0;
      }
      const file = values.store ?? historyStoreFile(io.env);
      const history = await openHistory({ file });
      try {
        // Count what matches, for --count and the report; the store records everything the client receives.
        let recorded = 0;
        const stop = stopSignal(io, durationMs);
        const counted = new AbortController();
        const onMessage = (m: MessageView): void => {
          if (!filters.some((f) => topicMatchesFilter(f, m.topic))) return;
          recorded++;
          if (count !== undefined && recorded >= count) counted.abort();
        };
        const recorder = await history.recordFrom(client, values.source !== undefined ? { source: values.source } : {});
        client.on('message', onMessage);
        const began = Date.now();
        const hide = showProgress(io, client, () => recorded);
        const ack = await client.subscribe(filters, { qos });
        const refused = ack.granted.filter((g) => !g.ok);
        if (refused.length > 0) throw new TopiaryError('TOPIC_ERROR', `The broker refused the subscription to ${refused.map((g) => `"${g.filter}"`).join(', ')}.`);
        await new Promise<void>((resolve) => {
          const done = (): void => resolve();
          if (stop.aborted || counted.signal.aborted) resolve();
          stop.addEventListener('abort', done, { once: true });
          counted.signal.addEventListener('abort', done, { once: true });
        });
        client.off('message', onMessage);
        await recorder.stop();
        hide();
        io.stderr.write(`recorded ${recorded} message(s) into ${history.file} in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
        return 0;
      } finally {
        await history.close();
      }
    } finally {
      await client.end();
    }
  },
};
