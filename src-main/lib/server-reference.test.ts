import { afterEach, describe, expect, it } from 'vitest';
import type { ServerRedirect } from '../../shared/ipc/connections';
import { waitFor } from '../test-support/wait-for';
import type { TopiaryClient } from './client';
import { connect, createBroker, TopiaryError, type EmbeddedBroker } from './index';

const brokers: EmbeddedBroker[] = [];
const clients: TopiaryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function broker(options: Parameters<typeof createBroker>[0] = {}): Promise<EmbeddedBroker> {
  const b = await createBroker({ sysInterval: 0, ...options });
  brokers.push(b);
  return b;
}

async function client(url: string, options: Partial<Parameters<typeof connect>[0]> = {}): Promise<TopiaryClient> {
  const c = await connect({ url, protocolVersion: 5, ...options });
  clients.push(c);
  return c;
}

/** host:port of a broker, as a Server Reference names it. */
const hostPort = (b: EmbeddedBroker): string => b.url.replace(/^mqtt:\/\//, '');

describe('following a Server Reference (two embedded brokers)', () => {
  it('connects to the named broker when the first refuses with 0x9C Use another server, and says why', async () => {
    const target = await broker();
    const moved = await broker({ moved: { serverReference: hostPort(target) } });
    const c = await client(moved.url);
    expect(c.info.state).toBe('connected');
    expect(c.info.url).toBe(target.url);
    expect(c.info.redirect).toMatchObject({ from: moved.url, to: target.url, reasonCode: 0x9c, permanent: false, serverReference: hostPort(target) });
    expect(c.info.redirect?.reason).toMatch(/asked the client to use another server \(reason 0x9c\); following its Server Reference to mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(target.engine.listClients().map((x) => x.clientId)).toContain(c.info.clientId);
    expect(moved.engine.listClients()).toEqual([]);
  });

  it('moves a live connection when its broker disconnects it with 0x9D Server moved, remaking subscriptions there', async () => {
    const first = await broker();
    const second = await broker();
    const c = await client(first.url);
    await c.subscribe('moved/#', { qos: 1 });
    const redirects: ServerRedirect[] = [];
    const disconnects: string[] = [];
    c.on('redirected', (r) => redirects.push(r));
    c.on('disconnected', (d) => disconnects.push(d.reason?.message ?? ''));
    const got: string[] = [];
    c.on('message', (m) => got.push(m.topic));
    first.engine.setMoved({ serverReference: `${hostPort(second)}`, permanent: true });
    await waitFor(() => c.info.state === 'connected' && c.info.url === second.url, { what: 'the client on the second broker' });
    expect(redirects).toHaveLength(1);
    expect(redirects[0]).toMatchObject({ from: first.url, to: second.url, reasonCode: 0x9d, permanent: true });
    expect(disconnects[0]).toMatch(/has moved for good \(reason 0x9d\); following its Server Reference/);
    // Its subscription was made again on the new broker: a message published there arrives.
    await waitFor(() => second.engine.listClients().some((x) => x.subscriptions.some((s) => s.filter === 'moved/#')), { what: 'the subscription on the second broker' });
    second.engine.publish({ topic: 'moved/here', payload: 'x', qos: 1 });
    await waitFor(() => got.includes('moved/here'), { what: 'the message from the second broker' });
  });

  it('stops following brokers that refer to each other, with a clear error', async () => {
    const a = await broker();
    const b = await broker({ moved: { serverReference: hostPort(a) } });
    a.engine.setMoved({ serverReference: hostPort(b) });
    const error = await connect({ url: a.url, protocolVersion: 5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TopiaryError);
    expect((error as TopiaryError).message).toMatch(/referral in a row without any server accepting the connection, so Topiary stopped following them/);
  });

  it('says why a reference it cannot read is not followed', async () => {
    const moved = await broker({ moved: { serverReference: 'not/a/server', permanent: true } });
    const error = await connect({ url: moved.url, protocolVersion: 5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as TopiaryError).message).toMatch(/has moved for good \("not\/a\/server"\)\. "not\/a\/server" is neither host\[:port\] nor a broker URL/);
  });
});
