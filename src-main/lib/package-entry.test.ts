import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, repoRoot as root } from '../test-support/built-cli';

/** Runs a script with node in the repository root, as a user's script beside it would. */
function node(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("the 'topiary' package entry", () => {
  // What `npm ci` runs through the prepare script.
  beforeAll(() => ensureCliBuilt(), 120_000);

  it('imports as ESM by name, starts the embedded broker and round-trips a QoS 1 message', () => {
    const script = `
      const { connect, createBroker } = await import('topiary');
      const broker = await createBroker();
      const client = await connect({ url: broker.url, subscriptions: ['esm/#'] });
      const got = new Promise((resolve) => client.on('message', (m) => resolve(Buffer.from(m.payload).toString())));
      const ack = await client.publish('esm/test', 'hello', { qos: 1 });
      console.log(ack.ack, await got);
      await client.end();
      await broker.stop();
    `;
    const r = node(['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('PUBACK hello');
  });

  it('requires as CommonJS by name, with the same exports', () => {
    const r = node(['-e', "const t = require('topiary'); console.log(Object.keys(t).sort().join(' '))"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('AUTH_METHODS CAPABILITIES CapabilityError Connector ERROR_CODES EmbeddedBroker TopiaryClient TopiaryError checkBroker connect createBroker createConnector scramAuthMethod');
  });
});
