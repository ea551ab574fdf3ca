import path from 'node:path';
import { ConnectArgsSchema, type AuthMethodName, type ConnectArgs } from '../../shared/ipc/connections';
import { TopiaryError } from '../../shared/ipc/errors';
import type { ParsedArg } from '../../shared/ipc/contract';
import type { AuthMethod } from '../core/connections/auth-method';
import { validationError } from '../core/ipc/serve';
import { ProfileStore } from '../core/profiles/profile-store';
import { chooseWebSecretStore } from '../core/secrets/choose-secret-store';
import { defaultUserDataDir } from '../core/user-data';
import type { CallLimits } from './deadline';

/** One broker of a multi-broker configuration; a higher weight is chosen more often by `weighted`. */
export interface WeightedBroker {
  readonly url: string;
  readonly weight?: number;
}

/** How the first broker of each connect is chosen; the others follow as failover. */
export type BrokerStrategy = 'failover' | 'round-robin' | 'weighted';

/** A subscription made on every connect: a filter, or a filter with QoS and MQTT 5 options. */
export type SubscriptionOption = string | NonNullable<ConnectArgs['subscriptions']>[number];

/**
 * What `connect()` takes: everything a saved profile takes (the contract's connect arguments), a URL or
 * host/port/protocol, several brokers with a strategy, or `profile` naming a profile saved in the app.
 */
export interface ConnectOptions extends Omit<ConnectArgs, 'url' | 'urls' | 'subscriptions' | 'protocolVersion' | 'authMethod'>, CallLimits {
  /**
   * MQTT 5 enhanced authentication: a SCRAM mechanism by name (with `username` and `password`), or a method of
   * your own (an object with `name` and `session()`, e.g. a token method).
   */
  readonly authMethod?: AuthMethodName | AuthMethod;
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'mqtt-udp' | 'mqtts-dtls';
  /** 3 (MQTT 3.1), 4 (3.1.1) or 5; '3.1', '3.1.1' and '5' are accepted too. */
  readonly protocolVersion?: 3 | 4 | 5 | '3.1' | '3.1.1' | '5';
  /** Further brokers tried in order after `url` (failover). */
  readonly urls?: readonly string[];
  readonly brokers?: readonly (string | WeightedBroker)[];
  readonly strategy?: BrokerStrategy;
  /** A profile saved in the app, by name; its secrets are unsealed by the app's own vault. Options given beside it override it. */
  readonly profile?: string;
  /** The app's data folder (profiles, vault); the app's default (or TOPIARY_USER_DATA) when absent. */
  readonly userDataDir?: string;
  /** Made on every connect; none by default (the app subscribes to '#', a library client to what it asks for). */
  readonly subscriptions?: readonly SubscriptionOption[];
  /** Control packets kept for `packetLog()`; 0 (the default) keeps none, which is cheaper under a burst. */
  readonly packetLogCapacity?: number;
  /** Default time limit for awaited calls on this client, in ms (30,000). */
  readonly defaultTimeoutMs?: number;
  /** The connector capabilities switched off on this client. */
  readonly capabilities?: { readonly disabled?: readonly string[] };
}

type ParsedConnectArgs = ParsedArg<'connections.connect'>;

const VERSION_NAMES: Readonly<Record<string, 3 | 4 | 5>> = { '3.1': 3, '3.1.1': 4, '5': 5, '5.0': 5, '3': 3, '4': 4 };

/** Rotates the first broker per list for `round-robin`, across every client of this process. */
const rotation = new Map<string, number>();

/** The contract's connect arguments (validated, defaults filled) for these options. */
export async function resolveConnectOptions(options: ConnectOptions): Promise<ParsedConnectArgs> {
  const fromProfile = options.profile !== undefined ? await loadProfile(options.profile, options.userDataDir) : {};
  const {
    profile: _p,
    userDataDir: _u,
    host,
    port,
    protocol,
    brokers,
    strategy,
    timeoutMs: _t,
    signal: _s,
    defaultTimeoutMs: _d,
    capabilities: _c,
    packetLogCapacity: _l,
    subscriptions,
    protocolVersion,
    authMethod,
    ...rest
  } = options;
  const urls = orderBrokers(brokerUrls(options, host, port, protocol, brokers), strategy ?? 'failover', brokers);
  const version = protocolVersion === undefined ? undefined : typeof protocolVersion === 'number' ? protocolVersion : VERSION_NAMES[protocolVersion];
  if (protocolVersion !== undefined && version === undefined) {
    throw new TopiaryError('VALIDATION_ERROR', `protocolVersion must be 3.1, 3.1.1 or 5, not "${String(protocolVersion)}".`);
  }
  const merged: Record<string, unknown> = {
    ...fromProfile,
    ...dropUndefined(rest),
    ...(urls.length > 0 ? { url: urls[0], urls: urls.slice(1) } : {}),
    ...(version !== undefined ? { protocolVersion: version } : {}),
    // A method object of the user's own travels beside the arguments (see TopiaryClient), not through the schema.
    ...(typeof authMethod === 'string' ? { authMethod } : {}),
    ...(subscriptions !== undefined
      ? { subscriptions: subscriptions.map((s) => (typeof s === 'string' ? { filter: s, qos: 0 } : s)) }
      : fromProfile.subscriptions === undefined
        ? { subscriptions: [] }
        : {}),
  };
  if (merged.url === undefined) throw new TopiaryError('VALIDATION_ERROR', 'Say which broker to connect to: url, host, brokers or profile.');
  const parsed = ConnectArgsSchema.safeParse(merged);
  if (!parsed.success) {
    const data = validationError(parsed.error);
    throw new TopiaryError(data.code, data.message, data.details);
  }
  return parsed.data;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function brokerUrls(
  options: ConnectOptions,
  host: string | undefined,
  port: number | undefined,
  protocol: ConnectOptions['protocol'],
  brokers: ConnectOptions['brokers'],
): string[] {
  const out: string[] = [];
  if (options.url !== undefined) out.push(options.url);
  else if (host !== undefined) {
    const scheme = protocol ?? 'mqtt';
    const defaultPort = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443, 'mqtt-udp': 1883, 'mqtts-dtls': 8883 }[scheme];
    const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    out.push(`${scheme}://${bracketed}:${port ?? defaultPort}`);
  }
  out.push(...(options.urls ?? []));
  for (const b of brokers ?? []) out.push(typeof b === 'string' ? b : b.url);
  return out;
}

/** Puts the broker this connect should try first at the front; the rest keep their order for failover. */
function orderBrokers(urls: string[], strategy: BrokerStrategy, brokers: ConnectOptions['brokers']): string[] {
  if (urls.length < 2 || strategy === 'failover') return urls;
  let first = 0;
  if (strategy === 'round-robin') {
    const key = urls.join(' ');
    first = rotation.get(key) ?? 0;
    rotation.set(key, (first + 1) % urls.length);
  } else {
    const weights = urls.map((u) => {
      const b = brokers?.find((x) => (typeof x === 'string' ? x : x.url) === u);
      const w = b === undefined || typeof b === 'string' ? 1 : (b.weight ?? 1);
      if (!(w >= 0) || !Number.isFinite(w)) throw new TopiaryError('VALIDATION_ERROR', `The weight of ${u} must be a number of 0 or more.`);
      return w;
    });
    const total = weights.reduce((a, b) => a + b, 0);
    if (total <= 0) throw new TopiaryError('VALIDATION_ERROR', 'At least one broker needs a weight above 0.');
    let pick = Math.random() * total;
    first = weights.findIndex((w) => (pick -= w) < 0);
    if (first < 0) first = weights.length - 1;
    // Failover then goes to the heavier brokers first.
    const rest = urls.map((u, i) => ({ u, w: weights[i] as number })).filter((_, i) => i !== first);
    rest.sort((a, b) => b.w - a.w);
    return [urls[first] as string, ...rest.map((r) => r.u)];
  }
  return [...urls.slice(first), ...urls.slice(0, first)];
}

/** A saved profile's options with its secrets unsealed, found by name (case-sensitive, then case-insensitive). */
async function loadProfile(name: string, userDataDir: string | undefined): Promise<Record<string, unknown>> {
  const dir = userDataDir ?? defaultUserDataDir();
  const secrets = await chooseWebSecretStore({ userDataDir: dir });
  const store = await ProfileStore.open({ file: path.join(dir, 'profiles.json'), secrets });
  const all = store.list();
  const found = all.find((p) => p.name === name) ?? all.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    const known = all.map((p) => `"${p.name}"`).join(', ');
    throw new TopiaryError('NOT_FOUND', `No saved profile is named "${name}"${known ? `; saved: ${known}` : ` in ${dir}`}.`);
  }
  const { options } = await store.resolve(found.id);
  return { ...options, name: found.name };
}
