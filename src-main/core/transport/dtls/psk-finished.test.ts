// The PSK server checks the client's Finished (RFC 5246 §7.4.9) instead of trusting that it decrypted: a client that
// holds the right key but sends the wrong verify_data is refused with decrypt_error, and both ends say why.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait-for';
import { DtlsReliableServer } from './dtls-endpoint';
import { DtlsPskAlert, PskDtlsClient } from './psk-client';
import { PskDtlsServer } from './psk-server';

const KEY = '00112233445566778899aabbccddeeff';
let server: DtlsReliableServer;
let socket: Socket;
const refusals: string[] = [];

beforeEach(async () => {
  refusals.length = 0;
  server = await DtlsReliableServer.listen({ host: '127.0.0.1', port: 0, psk: { 'sensor-1': KEY } });
  server.on('refused', (error: Error) => refusals.push(error.message));
  socket = createSocket('udp4');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.connect(server.address().port, '127.0.0.1', () => resolve()));
});

afterEach(async () => {
  socket.close();
  await server.close();
});

/** A bare PSK client on `socket`; `forge` may replace the verify_data it computes for its Finished. */
function pskClient(forge?: (verifyData: Buffer) => Buffer): PskDtlsClient {
  const transport = { type: 'udp' as const, onData: (_: Buffer): void => undefined, send: async (data: Buffer) => void socket.send(data), close: async () => undefined, closed: false };
  socket.on('message', (bytes) => transport.onData(bytes));
  const client = new PskDtlsClient({ transport: transport as never }, 'sensor-1', Buffer.from(KEY, 'hex'));
  if (forge) {
    const honest = client.cipher.verifyData.bind(client.cipher);
    client.cipher.verifyData = (buf) => forge(honest(buf)) as ReturnType<typeof honest>;
  }
  return client;
}

describe('DTLS PSK Finished verification', () => {
  it('completes the handshake when the verify_data is right', async () => {
    const client = pskClient();
    await client.connect();
    await waitFor(() => server.secureSessionCount === 1, { what: () => 'the server to finish the handshake' });
    expect(refusals).toEqual([]);
    client.close();
  });

  it('refuses a Finished with the right key but a wrong verify_data, with decrypt_error and a clear error', async () => {
    const client = pskClient((honest) => Buffer.from(honest.map((b) => b ^ 0xff)));
    const failure = await client.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure).toBeInstanceOf(DtlsPskAlert);
    expect((failure as DtlsPskAlert).description).toBe(51);
    expect(failure?.message).toMatch(/could not verify our Finished message/);
    await waitFor(() => refusals.length > 0, { what: () => "the server's refusal" });
    expect(refusals[0]).toMatch(/client's Finished message did not verify/);
    expect(server.secureSessionCount).toBe(0);
    expect(server.dtlsStats.established).toBe(0);
    client.close();
  });

  it("has the client refuse a server whose Finished carries the wrong verify_data", async () => {
    // A bare PSK server on a socket of its own, whose Finished is forged (it holds the right key).
    const serverSocket = createSocket('udp4');
    serverSocket.on('error', () => undefined);
    await new Promise<void>((resolve) => serverSocket.bind(0, '127.0.0.1', () => resolve()));
    let peer: { address: string; port: number } | undefined;
    const transport = { type: 'udp' as const, onData: (_: Buffer): void => undefined, send: async (data: Buffer) => void (peer && serverSocket.send(data, peer.port, peer.address)), close: async () => undefined, closed: false };
    serverSocket.on('message', (bytes, rinfo) => {
      peer = rinfo;
      transport.onData(bytes);
    });
    const forged = new PskDtlsServer({ transport: transport as never }, (identity) => (identity === 'sensor-1' ? Buffer.from(KEY, 'hex') : undefined));
    const honest = forged.cipher.verifyData.bind(forged.cipher);
    forged.cipher.verifyData = (buf) => Buffer.from(honest(buf).map((b) => b ^ 0x01)) as ReturnType<typeof honest>;
    socket.disconnect();
    await new Promise<void>((resolve) => socket.connect(serverSocket.address().port, '127.0.0.1', () => resolve()));
    const client = pskClient();
    try {
      const failure = await client.connect().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(failure?.message).toMatch(/server's Finished message did not verify/);
      expect(client.connected).toBe(false);
    } finally {
      client.close();
      forged.close();
      serverSocket.close();
    }
  });
});
