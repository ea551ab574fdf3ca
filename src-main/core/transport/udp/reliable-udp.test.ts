import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdpFaultProxy, type UdpFaultProxy } from '../../../test-support/udp-fault-proxy';
import { waitFor } from '../../../test-support/wait-for';
import { decodeDatagram, encodeDatagram, type DataDatagram, type Datagram } from './datagram';
import { openReliableUdpSession, ReliableUdpServer } from './reliable-udp-endpoint';
import type { ReliableUdpOptions, ReliableUdpSession } from './reliable-udp-session';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Collects what a session delivers, and any error, so tests can wait on them. */
function collect(session: ReliableUdpSession): { chunks: Buffer[]; bytes: () => Buffer; errors: Error[]; closed: () => boolean } {
  const chunks: Buffer[] = [];
  const errors: Error[] = [];
  let closed = false;
  session.on('data', (chunk: Buffer) => chunks.push(chunk));
  session.on('error', (error) => errors.push(error));
  session.on('close', () => (closed = true));
  return { chunks, bytes: () => Buffer.concat(chunks), errors, closed: () => closed };
}

async function lossyPair(options: Partial<ReliableUdpOptions> = {}, faults = { dropRate: 0.1, duplicateRate: 0.05, reorderRate: 0.2 }) {
  const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0, ...options });
  cleanups.push(() => server.close());
  const accepted: ReliableUdpSession[] = [];
  server.on('session', (s: ReliableUdpSession) => accepted.push(s));
  const proxy: UdpFaultProxy = await startUdpFaultProxy({ targetPort: server.address().port, seed: 16, reorderDelayMs: 15, ...faults });
  cleanups.push(() => proxy.close());
  const client = await openReliableUdpSession({ host: '127.0.0.1', port: proxy.port, initialRtoMs: 50, ...options });
  cleanups.push(() => client.destroy());
  return { server, proxy, client, accepted };
}

describe('reliable UDP over a lossy link', () => {
  it('carries a 100 kB payload intact and in order at 10% loss with reordering and duplicates, both ways', async () => {
    const { proxy, client, accepted } = await lossyPair({ initialRtoMs: 50 });
    const fromClient = randomBytes(100_000);
    const fromServer = randomBytes(100_000);
    const atClient = collect(client);
    client.write(fromClient);
    const serverSide = await waitFor(() => accepted[0], { what: 'the server to accept the session' });
    const atServer = collect(serverSide);
    serverSide.write(fromServer);
    await waitFor(() => atServer.bytes().length >= fromClient.length && atClient.bytes().length >= fromServer.length, {
      timeoutMs: 60_000,
      what: () => `both payloads (server has ${atServer.bytes().length}, client ${atClient.bytes().length})`,
    });
    expect(atServer.bytes().equals(fromClient)).toBe(true);
    expect(atClient.bytes().equals(fromServer)).toBe(true);
    // Each write is one message: delivered whole, reassembled from its fragments.
    expect(atServer.chunks).toHaveLength(1);
    // The faults really happened.
    expect(proxy.stats.dropped).toBeGreaterThan(5);
    expect(proxy.stats.reordered).toBeGreaterThan(5);
    expect(client.stats.retransmitted).toBeGreaterThan(0);
    expect(atServer.errors).toEqual([]);
    expect(atClient.errors).toEqual([]);
  }, 90_000);

  it('delivers many small messages exactly once and in order', async () => {
    const { client, accepted } = await lossyPair({ initialRtoMs: 50 }, { dropRate: 0.1, duplicateRate: 0.2, reorderRate: 0.3 });
    const messages = Array.from({ length: 500 }, (_, i) => Buffer.from(`message ${i};`));
    for (const m of messages) client.write(m);
    const serverSide = await waitFor(() => accepted[0], { what: 'the server to accept the session' });
    const atServer = collect(serverSide);
    const expected = Buffer.concat(messages);
    await waitFor(() => atServer.bytes().length >= expected.length, { timeoutMs: 60_000, what: () => `500 messages (have ${atServer.bytes().length} of ${expected.length} bytes)` });
    // Writes queued behind one another may share a message; the byte stream must hold each exactly once, in order.
    expect(atServer.bytes().toString().split(';').slice(0, -1)).toEqual(messages.map((m) => m.toString().slice(0, -1)));
    expect(serverSide.stats.duplicates).toBeGreaterThan(0);
  }, 90_000);

  it('closes both ends cleanly when the client ends its stream, after everything is delivered', async () => {
    const { client, accepted, server } = await lossyPair({ initialRtoMs: 50 }, { dropRate: 0, duplicateRate: 0, reorderRate: 0.5 });
    const atClient = collect(client);
    client.end(Buffer.from('last words'));
    const serverSide = await waitFor(() => accepted[0]);
    const atServer = collect(serverSide);
    await waitFor(() => atServer.closed() && atClient.closed(), { what: 'both ends to close' });
    expect(atServer.bytes().toString()).toBe('last words');
    expect(serverSide.endReason).toBe('closed');
    await waitFor(() => server.sessionCount === 0, { what: 'the server to forget the session' });
  });
});

describe('reliable UDP sessions', () => {
  it('drops a late copy of an ended session\'s opening datagram instead of opening the session again', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const accepted: ReliableUdpSession[] = [];
    server.on('session', (s: ReliableUdpSession) => accepted.push(s));
    const peer = createSocket('udp4');
    cleanups.push(() => new Promise<void>((resolve) => peer.close(() => resolve())));
    const replies: Datagram[] = [];
    peer.on('message', (bytes) => {
      const d = decodeDatagram(bytes);
      if (d) replies.push(d);
    });
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', () => resolve()));
    const send = (d: Datagram): void => void peer.send(encodeDatagram(d), server.address().port, '127.0.0.1');
    const opening: DataDatagram = { type: 'data', sessionId: 7, seq: 0, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from('hello') };
    send(opening);
    const serverSide = await waitFor(() => accepted[0], { what: 'the session to open' });
    const atServer = collect(serverSide);
    send({ type: 'close', sessionId: 7, endSeq: 1 });
    await waitFor(() => atServer.closed() && server.sessionCount === 0, { what: 'the session to close' });
    // The retransmission the ACK crossed, arriving late: it must not bring the session back.
    send(opening);
    await waitFor(() => server.stats.unknownSession >= 1 || accepted.length > 1, { what: 'the late datagram to be handled' });
    expect(accepted).toHaveLength(1);
    expect(server.sessionCount).toBe(0);
    // A new session from the same peer still opens.
    send({ ...opening, sessionId: 8 });
    await waitFor(() => accepted.length === 2, { what: 'the new session to open' });
    expect(atServer.bytes().toString()).toBe('hello');
    expect(replies.some((r) => r.type === 'close' && r.sessionId === 7)).toBe(true);
  });

  it('expires an idle session on the server and forgets its peer', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0, idleTimeoutMs: 300 });
    cleanups.push(() => server.close());
    const accepted: ReliableUdpSession[] = [];
    // Counted as the session opens: checked after 'hello' arrives, a stall of this process longer than the 300 ms idle
    // timeout would find it already expired.
    let countAtOpen = 0;
    server.on('session', (s: ReliableUdpSession) => {
      accepted.push(s);
      countAtOpen = server.sessionCount;
    });
    // The client's idle timeout is long: only the server should expire.
    const client = await openReliableUdpSession({ host: '127.0.0.1', port: server.address().port, idleTimeoutMs: 60_000 });
    cleanups.push(() => client.destroy());
    collect(client);
    client.write(Buffer.from('hello'));
    const serverSide = await waitFor(() => accepted[0]);
    const atServer = collect(serverSide);
    await waitFor(() => atServer.bytes().toString() === 'hello');
    expect(countAtOpen).toBe(1);
    await waitFor(() => atServer.closed(), { timeoutMs: 30_000, what: 'the idle session to expire' });
    expect(serverSide.endReason).toBe('idle');
    expect(server.sessionCount).toBe(0);
    expect(atServer.errors).toEqual([]);
  });

  it('fails with a clear error when the peer never answers, after backing off', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const proxy = await startUdpFaultProxy({ targetPort: server.address().port, dropRate: 1 });
    cleanups.push(() => proxy.close());
    const client = await openReliableUdpSession({ host: '127.0.0.1', port: proxy.port, initialRtoMs: 20, maxRtoMs: 80, maxAttempts: 5 });
    const atClient = collect(client);
    const started = Date.now();
    client.write(Buffer.from('anyone?'));
    await waitFor(() => atClient.errors.length > 0, { what: 'the unreachable error' });
    // 20 + 40 + 80 + 80 ms of back-off before the fifth send times out.
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(atClient.errors[0]?.message).toMatch(/peer unreachable.*after 5 sends/);
    expect(client.endReason).toBe('unreachable');
    expect(proxy.stats.dropped).toBe(5);
  });

  it('ignores garbage and datagrams of other sessions without ending the session', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const accepted: ReliableUdpSession[] = [];
    server.on('session', (s: ReliableUdpSession) => accepted.push(s));
    const attacker = createSocket('udp4');
    attacker.on('error', () => undefined);
    cleanups.push(() => new Promise<void>((resolve) => attacker.close(() => resolve())));
    const port = server.address().port;
    for (const junk of [Buffer.alloc(0), Buffer.from('CONNECT'), randomBytes(2_000), Buffer.from('0102000000010000000000000000', 'hex')]) {
      attacker.send(junk, port, '127.0.0.1');
    }
    const client = await openReliableUdpSession({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    collect(client);
    client.write(Buffer.from('real'));
    const serverSide = await waitFor(() => accepted.find((s) => s.sessionId === client.sessionId));
    const atServer = collect(serverSide);
    await waitFor(() => atServer.bytes().toString() === 'real');
    expect(accepted).toHaveLength(1);
    expect(atServer.errors).toEqual([]);
  });

  it('sends writes corked together (as MQTT.js does per packet) as one message in one datagram', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const accepted: ReliableUdpSession[] = [];
    server.on('session', (s: ReliableUdpSession) => accepted.push(s));
    const client = await openReliableUdpSession({ host: '127.0.0.1', port: server.address().port });
    cleanups.push(() => client.destroy());
    collect(client);
    client.cork();
    client.write(Buffer.from([0x30, 0x07]));
    client.write(Buffer.from([0x00, 0x01, 0x74]));
    client.write(Buffer.from('abcd'));
    process.nextTick(() => client.uncork());
    const serverSide = await waitFor(() => accepted[0]);
    const atServer = collect(serverSide);
    await waitFor(() => atServer.bytes().length === 9);
    expect(atServer.chunks).toHaveLength(1);
    expect(client.stats.sent).toBe(1);
  });

  it('ends a session whose peer sends a message over maxMessageBytes, with a clear error', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0, maxMessageBytes: 1_458 });
    cleanups.push(() => server.close());
    const errors: Error[] = [];
    server.on('session', (s: ReliableUdpSession) => s.on('error', (e) => errors.push(e)));
    const raw = await rawPeer(server.address().port);
    for (let i = 0; i < 3; i++) raw.send({ type: 'data', sessionId: 42, seq: i, fragmentIndex: i, fragmentCount: 3, payload: Buffer.alloc(1_000, i) });
    await waitFor(() => errors.length > 0, { what: 'the oversized message to be refused' });
    expect(errors[0]?.message).toMatch(/message over 1458 bytes/);
    await waitFor(() => server.sessionCount === 0);
  });

  it('replaces the session when a client restarts on the same address and port, and acknowledges cumulatively', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const accepted: ReliableUdpSession[] = [];
    server.on('session', (s: ReliableUdpSession) => accepted.push(s));
    const raw = await rawPeer(server.address().port);
    raw.send({ type: 'data', sessionId: 1, seq: 0, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from('one') });
    await waitFor(() => raw.received.find((d) => d.type === 'ack' && d.cumulative === 1), { what: 'the first ack' });
    // seq 2 before seq 1: held out of order and acknowledged selectively; then seq 1 completes both.
    raw.send({ type: 'data', sessionId: 1, seq: 2, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from('three') });
    await waitFor(() => raw.received.find((d) => d.type === 'ack' && d.cumulative === 1 && d.selective.includes(2)), { what: 'a selective ack' });
    raw.send({ type: 'data', sessionId: 1, seq: 1, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from('two') });
    await waitFor(() => raw.received.find((d) => d.type === 'ack' && d.cumulative === 3), { what: 'a cumulative ack of all three' });
    const first = accepted[0]!;
    const atFirst = collect(first);
    await waitFor(() => atFirst.bytes().toString() === 'onetwothree');
    // A restarted client's later datagram cannot replace the session; only its opening one (seq 0) can.
    raw.send({ type: 'data', sessionId: 2, seq: 1, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from(' too') });
    raw.send({ type: 'data', sessionId: 2, seq: 0, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from('again') });
    const second = await waitFor(() => accepted[1]);
    const atSecond = collect(second);
    await waitFor(() => atSecond.bytes().toString() === 'again' && atFirst.closed());
    expect(first.endReason).toBe('replaced');
    expect(server.sessionCount).toBe(1);
  });

  it('accepts no more than maxSessions peers at once, and admits a waiting one when a session ends', async () => {
    const server = await ReliableUdpServer.listen({ host: '127.0.0.1', port: 0, maxSessions: 1 });
    cleanups.push(() => server.close());
    const accepted: ReliableUdpSession[] = [];
    server.on('session', (s: ReliableUdpSession) => accepted.push(s));
    const a = await openReliableUdpSession({ host: '127.0.0.1', port: server.address().port });
    cleanups.push(() => a.destroy());
    collect(a);
    a.write(Buffer.from('a'));
    await waitFor(() => accepted[0]);
    const b = await openReliableUdpSession({ host: '127.0.0.1', port: server.address().port, initialRtoMs: 20, maxRtoMs: 40 });
    cleanups.push(() => b.destroy());
    collect(b);
    b.write(Buffer.from('b'));
    // Retransmission happens only without an acknowledgement: the server is ignoring b.
    await waitFor(() => b.stats.retransmitted >= 2);
    expect(accepted).toHaveLength(1);
    accepted[0]!.endWith('closed');
    const second = await waitFor(() => accepted[1]);
    const atSecond = collect(second);
    await waitFor(() => atSecond.bytes().toString() === 'b');
  });
});

/** A bare UDP socket speaking the datagram format by hand, to test the protocol itself. */
async function rawPeer(serverPort: number): Promise<{ send: (d: Datagram) => void; received: Datagram[] }> {
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  const received: Datagram[] = [];
  socket.on('message', (bytes) => {
    const d = decodeDatagram(bytes);
    if (d) received.push(d);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { send: (d) => socket.send(encodeDatagram(d), serverPort, '127.0.0.1'), received };
}
