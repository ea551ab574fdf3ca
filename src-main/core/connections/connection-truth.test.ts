import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectArgsSchema, type ConnectArgs, type ConnectionInfo } from '../../../shared/ipc/connections';
import { createBroker, type Broker } from '../broker';
import { freePort } from '../../test-support/free-port';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { ConnectionManager } from './connection-manager';

// What a connection reports is true at the moment it is reported: subscriptions, failures, reconnect times.

interface Stamped {
  readonly at: number;
  readonly info: ConnectionInfo;
}

let guarded: Broker;
let guardedUrl: string;
let manager: ConnectionManager;
let events: Stamped[];
const brokers: Mosquitto[] = [];

const fast = { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 };

beforeAll(async () => {
  // mosquitto 2.0 grants every subscription and filters on delivery; the embedded broker refuses by its ACL.
  guarded = createBroker({ listeners: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }], acl: [{ scope: 'anonymous', access: 'readwrite', topic: 'allowed/#' }] });
  const [bound] = await guarded.start();
  guardedUrl = `mqtt://127.0.0.1:${bound!.port}`;
});

afterAll(async () => {
  await guarded?.stop();
});

afterEach(async () => {
  await manager?.closeAll();
  for (const b of brokers.splice(0)) await b.stop();
});

function start(): void {
  events = [];
  manager = new ConnectionManager({ status: (info) => events.push({ at: Date.now(), info }), message: () => undefined, closed: () => undefined });
}

const connect = (args: ConnectArgs): Promise<ConnectionInfo> => manager.connect(ConnectArgsSchema.parse(args));

describe('subscriptions the broker refused', () => {
  it.each([4, 5] as const)('shows a subscription refused at connect as refused, with its reason, beside the granted ones (protocol version %i)', async (protocolVersion) => {
    start();
    const info = await connect({ url: guardedUrl, protocolVersion, subscriptions: [{ filter: '#', qos: 1 }, { filter: 'allowed/#', qos: 1 }] });
    const subs = await waitFor(() => {
      const s = manager.get(info.connectionId).subscriptions;
      return s?.every((x) => x.state !== 'pending') ? s : undefined;
    }, { what: 'both verdicts' });
    const all = subs.find((s) => s.filter === '#');
    expect(all).toMatchObject({ state: 'refused', reasonCode: protocolVersion === 5 ? 0x87 : 0x80 });
    expect(all?.reason).toMatch(/The broker refused "#"/);
    expect(subs.find((s) => s.filter === 'allowed/#')).toMatchObject({ state: 'active', reasonCode: 1 });
  });

  it('shows a subscription refused later the same way', async () => {
    start();
    const info = await connect({ url: guardedUrl, subscriptions: [] });
    const [verdict] = await manager.addSubscriptions(info.connectionId, [{ filter: 'secret/#', qos: 0 }]);
    expect(verdict?.ok).toBe(false);
    expect(manager.get(info.connectionId).subscriptions).toEqual([expect.objectContaining({ filter: 'secret/#', state: 'refused', reasonCode: 0x87, reason: expect.stringContaining('Not authorized') })]);
  });
});

describe('failover failures', () => {
  it('names each broker with its own failure when all fail, and shows the first broker’s URL with the first broker’s code', async () => {
    start();
    const a = `mqtt://127.0.0.1:${await freePort()}`;
    const b = `mqtt://localhost.invalid:1883`;
    const failure = await connect({ url: a, urls: [b] }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'CONNECTION_FAILED' });
    const message = (failure as Error).message;
    expect(message).toMatch(new RegExp(`1\\. ${a.replace(/[.:/]/g, '\\$&')}: Connection refused`));
    expect(message).toMatch(/2\. mqtt:\/\/localhost\.invalid:1883: The host .* could not be found/);
    const last = events.at(-1)?.info;
    expect(last?.state).toBe('error');
    expect(last?.url).toBe(a);
  });
});

describe('reconnect times', () => {
  it('never reports a reconnect attempt whose time has already passed, through a failover', async () => {
    const [first, second] = await Promise.all([startMosquitto(), startMosquitto()]);
    brokers.push(first, second);
    start();
    const info = await connect({ url: first.url, urls: [second.url], reconnect: fast, subscriptions: [] });
    await first.kill();
    await waitFor(() => events.some((e) => e.info.connectionId === info.connectionId && e.info.state === 'connected' && e.info.url === second.url), { what: 'moved to the second broker' });
    const stale = events.filter((e) => e.info.state === 'reconnecting' && e.info.reconnect?.nextAttemptAt !== undefined && e.info.reconnect.nextAttemptAt < e.at);
    expect(stale).toEqual([]);
  });
});
