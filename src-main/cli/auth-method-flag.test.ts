import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUserRecord } from '../core/broker';
import { createBroker, type EmbeddedBroker } from '../lib';
import { ensureCliBuilt } from '../test-support/built-cli';
import { runTopiary as topiary } from '../test-support/topiary-process';
import { startMosquitto, type Mosquitto } from '../test-support/mosquitto';

vi.setConfig({ testTimeout: 60_000 });

let broker: EmbeddedBroker;
let mosquitto: Mosquitto;
beforeAll(async () => {
  await ensureCliBuilt();
  broker = await createBroker({ allowAnonymous: false, users: [await createUserRecord('ann', 'right', { authMethods: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] })] });
  mosquitto = await startMosquitto();
}, 180_000);
afterAll(async () => {
  await broker.stop();
  await mosquitto.stop();
});

describe('topiary --auth-method', () => {
  it('publishes after a SCRAM exchange, and exits 1 with a clear sentence for a wrong password', async () => {
    const ok = await topiary(['pub', '-u', broker.url, '--user', 'ann', '--password', 'right', '--auth-method', 'scram-sha-512', '-t', 'a', '-m', 'x']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const wrong = await topiary(['pub', '-u', broker.url, '--user', 'ann', '--password', 'wrong', '--auth-method', 'SCRAM-SHA-256', '-t', 'a', '-m', 'x']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the SCRAM-SHA-256 proof/);
  });

  it('says that mosquitto does not support SCRAM, and refuses an unknown method as bad usage', async () => {
    const r = await topiary(['pub', '-u', mosquitto.url, '--user', 'ann', '--password', 'right', '--auth-method', 'SCRAM-SHA-256', '-t', 'a', '-m', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/This broker does not support SCRAM-SHA-256/);
    const bad = await topiary(['pub', '-u', broker.url, '--auth-method', 'PLAIN', '-t', 'a', '-m', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--auth-method must be SCRAM-SHA-1, SCRAM-SHA-256, SCRAM-SHA-512, not "PLAIN"');
  });
});
