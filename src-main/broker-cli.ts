import { contractError, hasReason } from '../shared/ipc/errors';
import { readFileSync } from 'node:fs';
import { installProcessGuard } from './process-guard';
import {
  createBroker,
  JournalStore,
  parseBrokerOptions,
  parsePersistenceConfig,
  type BrokerEvent,
  type BrokerOptions,
  type ListenerConfig,
  type PersistenceConfig,
} from './core/broker';

/** Headless Topiary broker: `topiary-broker [--port N] [--host H] [--config FILE] [--data DIR]`. */

interface CliArgs {
  readonly port?: number;
  readonly host?: string;
  readonly config?: string;
  readonly data?: string;
  readonly help: boolean;
}

const USAGE = `Usage: topiary-broker [--port N] [--host ADDRESS] [--config FILE] [--data DIR]
  --port N        TCP port for MQTT (default 1883; 0 picks a free one)
  --host ADDRESS  address to bind (default 127.0.0.1)
  --config FILE   JSON file with broker options (listeners, users, acl, limits, persistence, ...)
  --data DIR      keep sessions, queued and retained messages in DIR (a journal; survives a crash)
`;

function parseArgs(argv: readonly string[]): CliArgs {
  let port: number | undefined;
  let host: string | undefined;
  let config: string | undefined;
  let data: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw contractError('CLI_USAGE', `${flag} needs a value.\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw contractError('CLI_USAGE', `--port must be a whole number from 0 to 65535, not "${v}".`);
        port = n;
        break;
      }
      case '--host':
        host = value();
        break;
      case '--config':
        config = value();
        break;
      case '--data':
        data = value();
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw contractError('CLI_USAGE', `Unknown option "${a}".\n${USAGE}`);
    }
  }
  return { port, host, config, data, help };
}

function loadOptions(args: CliArgs): { options: BrokerOptions; store: JournalStore | undefined } {
  let options: BrokerOptions = {};
  let persistence: PersistenceConfig | undefined;
  if (args.config) {
    let text: string;
    try {
      text = readFileSync(args.config, 'utf8');
    } catch {
      throw contractError('CONFIG_FILE_UNREADABLE', `The config file ${args.config} could not be read; check the path.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw contractError('BROKER_CONFIG_INVALID', `The config file ${args.config} is not valid JSON: ${(e as Error).message}.`);
    }
    if (json !== null && typeof json === 'object' && 'persistence' in json) {
      const { persistence: section, ...rest } = json as Record<string, unknown>;
      persistence = parsePersistenceConfig(section);
      json = rest;
    }
    options = parseBrokerOptions(json);
  }
  if (args.data !== undefined) persistence = { ...persistence, dir: args.data };
  const store = persistence ? new JournalStore(persistence.dir, { fsync: persistence.fsync }) : undefined;
  let listeners: ListenerConfig[] = [...(options.listeners ?? [])];
  if (listeners.length === 0 || args.port !== undefined || args.host !== undefined) {
    const tcp: ListenerConfig = { kind: 'tcp', port: args.port ?? 1883, host: args.host ?? '127.0.0.1' };
    const i = listeners.findIndex((l) => l.kind === 'tcp');
    if (i >= 0) listeners[i] = { ...listeners[i]!, ...(args.port !== undefined ? { port: args.port } : {}), ...(args.host !== undefined ? { host: args.host } : {}) } as ListenerConfig;
    else listeners = [tcp, ...listeners];
  }
  return { options: { ...options, listeners, ...(store ? { persistence: store } : {}) }, store };
}

/** Prints queue overflows once a second per client, not once per message. */
function logDrops(): (e: BrokerEvent) => void {
  const counts = new Map<string, number>();
  setInterval(() => {
    for (const [clientId, n] of counts) process.stderr.write(`dropped ${n} message(s) for ${clientId}: queue full\n`);
    counts.clear();
  }, 1000).unref();
  return (e) => {
    if (e.type === 'message.dropped' && e.reason === 'queue full') counts.set(e.clientId, (counts.get(e.clientId) ?? 0) + 1);
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { options, store } = loadOptions(args);
  const broker = createBroker(options);
  broker.onEvent(logDrops());
  // Clients of a headless broker are strangers: an error nobody handled is logged, never fatal.
  installProcessGuard('topiary-broker');
  // Handlers go in before start() so a signal that arrives while listeners open still stops cleanly.
  let stopping = false;
  let started = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    if (!started) return;
    broker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const bound = await broker.start();
  started = true;
  const r = store?.recovery;
  if (r) {
    process.stdout.write(
      `recovered ${r.sessions} session(s), ${r.messages} queued or in-flight message(s), ${r.retained} retained message(s) (${r.replayed} journal record(s) replayed${r.tornTail ? ', a torn last record ignored' : ''})\n`,
    );
  }
  for (const w of broker.configWarnings()) process.stderr.write(`warning: ${w}\n`);
  for (const l of bound) process.stdout.write(`listening ${l.url}\n`);
  if (stopping) {
    stopping = false;
    shutdown();
  }
}

main().catch((e: unknown) => {
  if (hasReason(e)) process.stderr.write(`error ${e.reason}: ${e.message}\n`);
  else process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
