import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, ensureLibTypesBuilt, repoRoot as root } from '../test-support/built-cli';

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
    expect(r.stdout.trim()).toBe('AUTH_METHODS CAPABILITIES CapabilityError Connector ERROR_CODES EmbeddedBroker SandboxedScript TopiaryClient TopiaryError TopiaryHistory checkBroker connect createBroker createConnector defaultHistoryFile defaultScriptWorkerFile listScenarios loadScript openHistory record replay respond scramAuthMethod simulate');
  });

  it('runs a sandboxed script with the worker built beside the library', () => {
    const r = node(['-e', "require('topiary').loadScript('return msg.topic.toUpperCase()').then(async (s) => { console.log((await s.run({ topic: 'a/b', payload: '' })).value); await s.close(); })"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('A/B');
  });
});

describe("the 'topiary' package's types entry", () => {
  let dir: string | undefined;
  let result: { status: number | null; output: string };
  // One tsc run over two consumer files (a strict check of every declaration takes tens of seconds on a busy machine).
  beforeAll(async () => {
    await ensureLibTypesBuilt();
    // A consumer project beside the repository: 'topiary' and @types/node installed (as links) in its node_modules.
    dir = mkdtempSync(path.join(os.tmpdir(), 'topiary-types-consumer-'));
    mkdirSync(path.join(dir, 'node_modules/@types'), { recursive: true });
    symlinkSync(root, path.join(dir, 'node_modules/topiary'), 'dir');
    symlinkSync(path.join(root, 'node_modules/@types/node'), path.join(dir, 'node_modules/@types/node'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] } }),
    );
    writeFileSync(
      path.join(dir, 'uses-library.ts'),
      `import { connect, createBroker, checkBroker, createConnector, TopiaryError, type CheckReport, type PublishAck, type MessageView } from 'topiary';
const broker = await createBroker();
const client = await connect({ url: broker.url, protocolVersion: '5', subscriptions: ['a/#'] });
client.on('message', (m: MessageView) => console.log(m.topic));
const ack: PublishAck = await client.publish('a/b', 'hello', { qos: 1 });
const report: CheckReport = await checkBroker({ url: broker.url });
console.log(ack.ack, report.lines.length, createConnector, TopiaryError);
await client.end();
await broker.stop();
`,
    );
    writeFileSync(
      path.join(dir, 'misuses-library.ts'),
      `import { connect } from 'topiary';
const client = await connect({ url: 'mqtt://127.0.0.1:1883' });
await client.publish('a/b', 'x', { qos: 3 });
await client.subscribe(42);
`,
    );
    const run = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
    result = { status: run.status, output: run.stdout + run.stderr };
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('type-checks a strict NodeNext consumer that uses the library, declarations included', () => {
    const errors = result.output.split('\n').filter((l) => l.includes('error TS'));
    expect(errors.filter((l) => !l.startsWith('misuses-library.ts'))).toEqual([]);
  });

  it('rejects calls with the wrong types, naming each line', () => {
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/^misuses-library\.ts\(3,\d+\): error TS2322/m);
    expect(result.output).toMatch(/^misuses-library\.ts\(4,\d+\): error TS2345/m);
  });
});
