import { readFileSync } from 'node:fs';
import { TopiaryError } from '../../shared/ipc/errors';
import { FileStore, createBroker, parseBrokerOptions, type BrokerOptions, type ListenerConfig } from '../core/broker';
import { intFlag, parseFlags, type Command } from './cli-io';
import { readMosquittoConf } from './mosquitto-conf';

const FLAGS = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  config: { type: 'string' },
  'mosquitto-config': { type: 'string', short: 'c' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: topiary broker [--port N] [--host ADDRESS] [--config FILE] [-c mosquitto.conf] [--data DIR]

Runs Topiary's embedded MQTT broker (3.1, 3.1.1 and 5) without the app, until Ctrl-C.

  -p, --port N              TCP port (default 1883; 0 picks a free one)
      --host ADDRESS        address to bind (default 127.0.0.1)
      --config FILE         JSON broker options (listeners, users, acl, limits, ...)
  -c, --mosquitto-config F  a mosquitto.conf: listener, allow_anonymous, password_file, acl_file,
                            max_queued_messages, max_inflight_messages, message_size_limit, persistence,
                            persistence_location, certfile/keyfile/cafile/require_certificate and
                            protocol websockets are read; every other line is named and skipped
      --data DIR            keep sessions, queued and retained messages in DIR across restarts

Examples:
  topiary broker --port 1883
  topiary broker -c /etc/mosquitto/mosquitto.conf
  topiary broker --port 0 --data ./broker-data
`;

function jsonOptions(file: string): BrokerOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TopiaryError('VALIDATION_ERROR', `The config file ${file} cannot be read; check the path.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TopiaryError('VALIDATION_ERROR', `The config file ${file} is not valid JSON: ${(e as Error).message}.`);
  }
  return parseBrokerOptions(json);
}

export const brokerCommand: Command = {
  summary: 'run the embedded broker headless (alias: topiary-broker)',
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const port = intFlag(values.port, '--port', 0, 65535);
    let options: BrokerOptions = values.config ? jsonOptions(values.config) : {};
    let dataDir = values.data;
    if (values['mosquitto-config']) {
      const conf = readMosquittoConf(values['mosquitto-config']);
      for (const s of conf.skipped) io.stderr.write(`${values['mosquitto-config']}:${s.line}: skipped "${s.text}": ${s.why}.\n`);
      for (const w of conf.warnings) io.stderr.write(`warning: ${w}\n`);
      options = { ...options, ...conf.options };
      dataDir ??= conf.persistenceDir;
    }
    let listeners: ListenerConfig[] = [...(options.listeners ?? [])];
    if (listeners.length === 0 || port !== undefined || values.host !== undefined) {
      const i = listeners.findIndex((l) => l.kind === 'tcp');
      if (i >= 0) listeners[i] = { ...listeners[i]!, ...(port !== undefined ? { port } : {}), ...(values.host !== undefined ? { host: values.host } : {}) } as ListenerConfig;
      else listeners = [{ kind: 'tcp', port: port ?? 1883, host: values.host ?? '127.0.0.1' }, ...listeners];
    }
    const broker = createBroker({ ...options, listeners, ...(dataDir !== undefined ? { persistence: new FileStore(dataDir) } : {}) });
    const bound = await broker.start();
    for (const l of bound) io.stdout.write(`listening ${l.url}\n`);
    if (dataDir !== undefined) io.stdout.write(`persisting to ${dataDir}\n`);
    await new Promise<void>((resolve) => io.interrupted.addEventListener('abort', () => resolve(), { once: true }));
    await broker.stop();
    return 0;
  },
};
