import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBroker, type EmbeddedBroker } from '../lib';
import { ensureCliBuilt } from '../test-support/built-cli';
import { startTopiary as start } from '../test-support/topiary-process';
import { waitFor } from '../test-support/wait-for';

// Each test starts node processes; on a loaded two-core machine one start can take seconds.
vi.setConfig({ testTimeout: 60_000 });

let broker: EmbeddedBroker;
let dir: string;
beforeAll(async () => {
  await ensureCliBuilt();
  broker = await createBroker({ port: 0 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-respond-'));
}, 120_000);
afterAll(async () => {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('topiary respond', () => {
  it('answers an MQTT 5 request with its correlation data by a script from a file, and prints what each rule did on Ctrl-C', async () => {
    await writeFile(path.join(dir, 'reading.js'), "const req = msg.json();\nreturn { device: msg.topic.split('/')[1], field: req.field, value: 21.5 };\n");
    const rules = path.join(dir, 'rules.json');
    await writeFile(
      rules,
      JSON.stringify({
        rules: [
          { id: 'reading', filter: 'devices/+/get', response: { scriptFile: 'reading.js' }, contentType: 'application/json', qos: 1 },
          { id: 'ping', filter: 'ping', topic: 'pong', response: { template: 'pong {{counter}}' } },
        ],
      }),
    );
    const run = start(['respond', '-u', broker.url, '--rules', rules]);
    await waitFor(() => run.err().includes('answering with 2 rules'), { timeoutMs: 30_000, what: () => `the responder to start: ${run.err()}` });

    const requester = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    await requester.subscribeAsync('replies/me', { qos: 1 });
    const answer = new Promise<{ body: string; correlation?: string; contentType?: string }>((resolve) => {
      requester.on('message', (_t, body, packet) => resolve({ body: body.toString(), correlation: packet.properties?.correlationData?.toString(), contentType: packet.properties?.contentType }));
    });
    await requester.publishAsync('devices/t7/get', '{"field":"temperature"}', { qos: 1, properties: { responseTopic: 'replies/me', correlationData: Buffer.from('abc-1') } });
    const got = await answer;
    expect(JSON.parse(got.body)).toEqual({ device: 't7', field: 'temperature', value: 21.5 });
    expect(got.correlation).toBe('abc-1');
    expect(got.contentType).toBe('application/json');
    await requester.endAsync();

    await waitFor(() => run.out().includes('replies/me {"device":"t7"'), { what: () => `the response line: ${run.out()}` });
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.err()).toContain('rule reading: matched 1, responded 1, declined 0, no response topic 0, rate-limited 0, failed 0');
    expect(run.err()).toContain('rule ping: matched 0, responded 0');
  });

  it('refuses rules it cannot use, saying which and why (exit 1), and bad usage (exit 2)', async () => {
    const rules = path.join(dir, 'bad.json');
    await writeFile(rules, JSON.stringify([{ id: 'broken', filter: 'x', response: { script: 'return (;' } }]));
    const bad = start(['respond', '-u', broker.url, '--rules', rules]);
    expect(await bad.exit).toBe(1);
    expect(bad.err()).toMatch(/^error: rule "broken": Response script: SyntaxError: .* \(line 1, column \d+\)$/m);

    await writeFile(rules, JSON.stringify([{ id: 'x', filter: 'x', response: { nothing: 1 } }]));
    const invalid = start(['respond', '-u', broker.url, '--rules', rules]);
    expect(await invalid.exit).toBe(1);
    expect(invalid.err()).toMatch(/The rules file .*bad\.json: rule 1 \("x"\), response: it must be \{ "template": "…" \}, \{ "script": "…" \} or \{ "scriptFile": "file\.js" \}\./);

    const usage = start(['respond', '-u', broker.url]);
    expect(await usage.exit).toBe(2);
    expect(usage.err()).toContain('error: Say which rules to answer with: --rules FILE.');
  });
});
