// The command line over mqtts-dtls:// with a pre-shared key: `topiary pub --psk-identity … --psk …` against the
// embedded broker's PSK listener, and a wrong key as a one-sentence failure (exit 1), not a timeout.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createBroker, type Broker } from '../core/broker';
import { connect, type TopiaryClient } from '../lib';
import { ensureCliBuilt } from '../test-support/built-cli';
import { runTopiary as topiary } from '../test-support/topiary-process';
import { waitFor } from '../test-support/wait-for';

vi.setConfig({ testTimeout: 60_000 });

const KEY = '0102030405060708090a0b0c0d0e0f10';
let broker: Broker;
let url: string;
let watcher: TopiaryClient;

beforeAll(async () => {
  await ensureCliBuilt();
  broker = createBroker({ sysInterval: 0, listeners: [{ kind: 'dtls', port: 0, psk: { gateway: KEY } }] });
  const [bound] = await broker.start();
  url = bound!.url;
  watcher = await connect({ url, clientId: 'psk-watcher', tls: { pskIdentity: 'gateway', psk: KEY }, connectTimeoutMs: 20_000 });
  await watcher.subscribe('cli/psk', { qos: 1 });
}, 180_000);
afterAll(async () => {
  await watcher?.end().catch(() => undefined);
  await broker?.stop();
});

it('topiary pub -u mqtts-dtls:// --psk-identity --psk publishes through a PSK listener', async () => {
  const got: string[] = [];
  watcher.on('message', (m) => got.push(Buffer.from(m.payload).toString()));
  const r = await topiary(['pub', '-u', url, '--psk-identity', 'gateway', '--psk', KEY, '-t', 'cli/psk', '-m', 'over dtls psk', '-q', '1']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  await waitFor(() => got.length === 1, { what: () => `the published message (have ${got.length})` });
  expect(got).toEqual(['over dtls psk']);
});

it('a wrong --psk fails at once with a sentence saying so', async () => {
  const started = Date.now();
  const r = await topiary(['pub', '-u', url, '--psk-identity', 'gateway', '--psk', 'ffffffffffffffffffffffffffffffff', '-t', 'cli/psk', '-m', 'x']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/pre-shared key is wrong/i);
  expect(Date.now() - started).toBeLessThan(15_000);
});

it('--psk-identity without a key is a usage error', async () => {
  const r = await topiary(['pub', '-u', url, '--psk-identity', 'gateway', '-t', 'cli/psk', '-m', 'x']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--psk-identity and --psk/);
});
