import {
  JournalStore,
  createBroker,
  parseBrokerOptions,
  parsePersistenceConfig,
  type BrokerEvent,
  type BrokerOptions,
  type ListenerConfig,
  type PersistenceConfig,
} from '../core/broker';
import { preferShortGcPauses } from '../gc-tuning';
import { installProcessGuard } from '../process-guard';
import { intFlag, parseFlags, readJsonFile, type CliIo, type Command } from './cli-io';
import { readMosquittoConf } from './mosquitto-conf';

const FLAGS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'udp-port': { type: 'string' },
  config: { type: 'string' },
  'mosquitto-config': { type: 'string', short: 'c' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: topiary broker [--port N] [--host ADDRESS] [--config FILE] [-c mosquitto.conf] [--data DIR]

Runs Topiary's embedded MQTT broker (3.1, 3.1.1 and 5) without the app, until Ctrl-C.

  -p, --port N              TCP port (default 1883; 0 picks a free one)
      --host ADDRESS        address to bind (default 127.0.0.1)
      --udp-port N          also accept MQTT over reliable UDP (mqtt-udp://) on port N (0 picks a free one)
      --config FILE         JSON broker options (listeners, users, acl, limits, persistence, ...)
  -c, --mosquitto-config F  a mosquitto.conf: listener, allow_anonymous, password_file, acl_file,
                            max_queued_messages, max_inflight_messages, message_size_limit, persistence,
                            persistence_location, certfile/keyfile/cafile/require_certificate and
                            protocol websockets are read; every other line is named and skipped
      --data DIR            keep sessions, queued and retained messages in DIR across restarts
                            (a journal: nothing acknowledged is lost when the process crashes)

Examples:
  topiary broker --port 1883
  topiary broker -c /etc/mosquitto/mosquitto.conf
  topiary broker --port 0 --data ./broker-data
  topiary broker --port 1883 --udp-port 1883
`;

/** The JSON config: broker options, and its `persistence` section ({ dir, fsync }) apart. */
function jsonOptions(file: string): { options: BrokerOptions; persistence: PersistenceConfig | undefined } {
  let json = readJsonFile(file, 'config file');
  let persistence: PersistenceConfig | undefined;
  if (json !== null && typeof json === 'object' && 'persistence' in json) {
    const { persistence: section, ...rest } = json as Record<string, unknown>;
    persistence = parsePersistenceConfig(section);
    json = rest;
  }
  return { options: parseBrokerOptions(json), persistence };
}

/** Reports queue overflows once a second per client, not once per message. */
function reportDrops(io: CliIo, signal: AbortSignal): (e: BrokerEvent) => void {
  const counts = new Map<string, number>();
  const timer = setInterval(() => {
    for (const [clientId, n] of counts) io.stderr.write(`dropped ${n} message(s) for ${clientId}: queue full\n`);
    counts.clear();
  }, 1000);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return (e) => {
    if (e.type === 'message.dropped' && e.reason === 'queue full') counts.set(e.clientId, (counts.get(e.clientId) ?? 0) + 1);
  };
}

export const brokerCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const port = intFlag(values.port, '--port', 0, 65535);
    const fromJson = values.config ? jsonOptions(values.config) : { options: {}, persistence: undefined };
    let options: BrokerOptions = fromJson.options;
    let persistence = fromJson.persistence;
    if (values['mosquitto-config']) {
      const conf = readMosquittoConf(values['mosquitto-config']);
      for (const s of conf.skipped) io.stderr.write(`${values['mosquitto-config']}:${s.line}: skipped "${s.text}": ${s.why}.\n`);
      for (const w of conf.warnings) io.stderr.write(`warning: ${w}\n`);
      options = { ...options, ...conf.options };
      if (conf.persistenceDir !== undefined) persistence ??= { dir: conf.persistenceDir };
    }
    if (values.data !== undefined) persistence = { ...persistence, dir: values.data };
    let listeners: ListenerConfig[] = [...(options.listeners ?? [])];
    if (listeners.length === 0 || port !== undefined || values.host !== undefined) {
      const i = listeners.findIndex((l) => l.kind === 'tcp');
      if (i >= 0) listeners[i] = { ...listeners[i]!, ...(port !== undefined ? { port } : {}), ...(values.host !== undefined ? { host: values.host } : {}) } as ListenerConfig;
      else listeners = [{ kind: 'tcp', port: port ?? 1883, host: values.host ?? '127.0.0.1' }, ...listeners];
    }
    const udpPort = intFlag(values['udp-port'], '--udp-port', 0, 65535);
    if (udpPort !== undefined) listeners.push({ kind: 'udp', port: udpPort, host: values.host ?? '127.0.0.1' });
    const store = persistence ? new JournalStore(persistence.dir, { fsync: persistence.fsync }) : undefined;
    const broker = createBroker({ ...options, listeners, ...(store ? { persistence: store } : {}) });
    broker.onEvent(reportDrops(io, io.interrupted));
    // Clients of a headless broker are strangers: an error nobody handled is logged, never fatal.
    const guard = installProcessGuard('topiary broker', (line) => io.stderr.write(`${line}\n`));
    preferShortGcPauses();
    try {
      const bound = await broker.start();
      const r = store?.recovery;
      if (r) {
        io.stdout.write(
          `recovered ${r.sessions} session(s), ${r.messages} queued or in-flight message(s), ${r.retained} retained message(s) (${r.replayed} journal record(s) replayed${r.tornTail ? ', a torn last record ignored' : ''})\n`,
        );
      }
      for (const w of broker.configWarnings()) io.stderr.write(`warning: ${w}\n`);
      for (const l of bound) io.stdout.write(`listening ${l.url}\n`);
      if (persistence) io.stdout.write(`persisting to ${persistence.dir}\n`);
      // A Ctrl-C that came while the listeners opened still stops cleanly.
      if (!io.interrupted.aborted) await new Promise<void>((resolve) => io.interrupted.addEventListener('abort', () => resolve(), { once: true }));
      await broker.stop();
      return 0;
    } finally {
      guard.uninstall();
    }
  },
};
