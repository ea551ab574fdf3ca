// A quick connect to an mqtts-dtls:// broker with nothing to secure the session with (no CA, no PSK) is told what to add,
// not left with a handshake timeout; with the pre-shared key it gets in.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, createBroker, type EmbeddedBroker } from '../../lib';
import { dtlsSetupSentence } from './connection-errors';

vi.setConfig({ testTimeout: 20_000 });

const KEY = 'c0ffee0123456789abcdef0123456789';
let broker: EmbeddedBroker;

beforeAll(async () => {
  broker = await createBroker({ listeners: [{ kind: 'dtls', port: 0, host: '127.0.0.1', psk: { 'quick-1': KEY } }] });
});
afterAll(async () => {
  await broker.stop();
});

describe('quick connect to a DTLS broker', () => {
  it('says to add a CA or a pre-shared key in a profile when the URL alone is given', async () => {
    const failure = await connect({ url: broker.url, connectTimeoutMs: 1_500, reconnect: { enabled: false } }).then(
      async (c) => {
        await c.end();
        return undefined;
      },
      (e: Error & { code?: string }) => e,
    );
    expect(failure?.code).toBe('TLS_ERROR');
    expect(failure?.message).toBe(dtlsSetupSentence(broker.url.replace('mqtts-dtls://', '')));
  });

  it('connects once the pre-shared key is given', async () => {
    const client = await connect({ url: broker.url, tls: { pskIdentity: 'quick-1', psk: KEY }, connectTimeoutMs: 10_000 });
    await client.end();
  });
});
