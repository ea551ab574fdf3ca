import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConnectionId, MessageView } from '../../shared/ipc/common';
import { HistoryService } from '../core/history/history-service';
import { connect, createBroker, type EmbeddedBroker, type TopiaryClient } from '../lib';
import { ensureCliBuilt, repoRoot } from '../test-support/built-cli';
import { freePort } from '../test-support/free-port';
import { historyWorkerFile } from '../test-support/worker-file';
import { waitFor } from '../test-support/wait-for';

const BIN = path.join(repoRoot, 'bin/topiary.cjs');

// Each test starts node processes; on a loaded two-core machine one start can take seconds.
vi.setConfig({ testTimeout: 90_000 });

interface Served {
  readonly client: Client;
  readonly stderr: () => string;
}

/** Spawns `topiary mcp …` as an MCP client (Claude Desktop, an IDE) would, and completes the handshake. */
async function serve(args: readonly string[]): Promise<Served> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], cwd: repoRoot, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'topiary-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

type Content = { type: string; text?: string }[];

/** Calls a tool and returns its text content parsed as JSON (failing the test on a tool error). */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const r = await client.callTool({ name, arguments: args });
  const text = (r.content as Content)[0]?.text ?? '';
  expect(r.isError, text).toBeFalsy();
  return JSON.parse(text) as Record<string, unknown>;
}

/** Calls a tool that must fail and returns its error text. */
async function refused(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  expect(r.isError).toBe(true);
  return (r.content as Content)[0]?.text ?? '';
}

let broker: EmbeddedBroker;
let readOnly: Served;
let publisher: TopiaryClient;
beforeAll(async () => {
  await ensureCliBuilt();
  broker = await createBroker({ allowAnonymous: true });
  publisher = await connect({ url: broker.url });
  await publisher.publish('mcp/t/a', '21.5', { qos: 1, retain: true });
  await publisher.publish('mcp/t/b', { on: true }, { qos: 1, retain: true });
  await publisher.publish('mcp/t/big', new Uint8Array(10_000).fill(0x41), { qos: 1, retain: true });
  await publisher.publish('mcp/t/bin', new Uint8Array([0xff, 0x00, 0xfe]), { qos: 1, retain: true });
  readOnly = await serve(['-u', broker.url]);
}, 120_000);
afterAll(async () => {
  await readOnly?.client.close();
  await publisher?.end();
  await broker?.stop();
});

describe('topiary mcp', () => {
  it('offers its tools, each description stating its bounds, and says it is read-only', async () => {
    const { tools } = await readOnly.client.listTools();
    // query_history is offered only with --history.
    expect(tools.map((t) => t.name).sort()).toEqual(['check_broker', 'list_topics', 'publish', 'read_topic', 'watch']);
    for (const t of tools.filter((x) => x.name !== 'check_broker')) expect(t.description).toMatch(/\d+ (ms|bytes)/);
    expect(tools.find((t) => t.name === 'publish')?.description).toContain('read-only');
    expect(readOnly.client.getInstructions()).toContain('Read-only');
    expect(readOnly.stderr()).toContain('read-only');
  });

  it('list_topics gives the topics under a filter with counts and last values, and keeps to maxTopics', async () => {
    const r = await call(readOnly.client, 'list_topics', { filter: 'mcp/t/#', durationMs: 1500 });
    const topics = r.topics as { topic: string; count: number; retained: boolean; payload: string; encoding: string; bytes: number; truncated?: boolean }[];
    expect(topics.map((t) => t.topic)).toEqual(['mcp/t/a', 'mcp/t/b', 'mcp/t/big', 'mcp/t/bin']);
    expect(topics[0]).toMatchObject({ count: 1, retained: true, payload: '21.5', encoding: 'utf8' });
    expect(JSON.parse(topics[1]!.payload)).toEqual({ on: true });
    expect(topics[2]).toMatchObject({ bytes: 10_000, truncated: true });
    expect(topics[2]!.payload).toHaveLength(4096);
    expect(topics[3]).toMatchObject({ encoding: 'base64', payload: Buffer.from([0xff, 0x00, 0xfe]).toString('base64') });
    const few = await call(readOnly.client, 'list_topics', { filter: 'mcp/t/#', durationMs: 1500, maxTopics: 1 });
    expect((few.topics as unknown[]).length).toBe(1);
    expect(few.messagesOnUnlistedTopics).toBe(3);
    expect(await refused(readOnly.client, 'list_topics', { filter: 'mcp/#/x' })).toContain('is not a valid topic filter');
  });

  it('list_topics counts the messages published while it listens and shows the last', async () => {
    const listing = call(readOnly.client, 'list_topics', { filter: 'mcp/c/#', durationMs: 5000 });
    await waitFor(() => broker.engine.listClients().some((c) => c.subscriptions.some((s) => s.filter === 'mcp/c/#')), { timeoutMs: 30_000, what: "list_topics's subscription" });
    for (const n of ['1', '2', '3']) await publisher.publish('mcp/c/x', n, { qos: 1 });
    await publisher.publish('mcp/c/y', 'only', { qos: 1 });
    const r = await listing;
    expect(r.messages).toBe(4);
    expect(r.topics).toMatchObject([
      { topic: 'mcp/c/x', count: 3, retained: false, payload: '3' },
      { topic: 'mcp/c/y', count: 1, payload: 'only' },
    ]);
  });

  it('read_topic gives a retained value, says when there is none, and refuses a wildcard', async () => {
    expect(await call(readOnly.client, 'read_topic', { topic: 'mcp/t/a' })).toMatchObject({ topic: 'mcp/t/a', payload: '21.5', retain: true, qos: 1 });
    const started = Date.now();
    const none = await call(readOnly.client, 'read_topic', { topic: 'mcp/nothing/here', waitMs: 300 });
    expect(none).toMatchObject({ topic: 'mcp/nothing/here', value: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await refused(readOnly.client, 'read_topic', { topic: 'mcp/+/a' })).toContain('is not a topic name');
  });

  it('watch collects live messages and stops at maxMessages, long before its time is up', async () => {
    const started = Date.now();
    const watching = call(readOnly.client, 'watch', { filter: 'mcp/w/#', durationMs: 30_000, maxMessages: 2, includeRetained: false });
    await waitFor(() => broker.engine.listClients().some((c) => c.subscriptions.some((s) => s.filter === 'mcp/w/#')), { timeoutMs: 30_000, what: "the watch tool's subscription" });
    await publisher.publish('mcp/w/1', 'one', { qos: 1 });
    await publisher.publish('mcp/w/2', 'two', { qos: 1, properties: { contentType: 'text/plain' } });
    await publisher.publish('mcp/w/3', 'three', { qos: 1 });
    const r = await watching;
    expect(r).toMatchObject({ count: 2, stoppedAtMax: true });
    const messages = r.messages as { topic: string; payload: string; properties?: { contentType?: string } }[];
    expect(messages.map((m) => [m.topic, m.payload])).toEqual([
      ['mcp/w/1', 'one'],
      ['mcp/w/2', 'two'],
    ]);
    expect(messages[1]?.properties?.contentType).toBe('text/plain');
    expect(Date.now() - started).toBeLessThan(25_000);
    // The tool's client is gone once the call returned.
    await waitFor(() => !broker.engine.listClients().some((c) => c.subscriptions.some((s) => s.filter === 'mcp/w/#')), { timeoutMs: 10_000, what: 'the watch client to disconnect' });
  });

  it('check_broker reports what the embedded broker supports', async () => {
    const r = await call(readOnly.client, 'check_broker');
    expect(r.url).toBe(broker.url);
    const lines = r.lines as { name: string; value: string; how: string }[];
    expect(lines.find((l) => l.name === 'retained messages')?.value).toBe('kept and delivered');
    expect(lines.find((l) => l.name === 'MQTT versions accepted')?.value).toContain('5');
  });

  it('publish is refused without --allow-publish, and allowed only to matching topics with it', async () => {
    const seen: MessageView[] = [];
    const watcher = await connect({ url: broker.url, subscriptions: [{ filter: 'mcp/p/#', qos: 1 }] });
    watcher.on('message', (m) => seen.push(m));
    const allowed = await serve(['-u', broker.url, '--allow-publish', 'mcp/p/ok/#', '--allow-publish', 'mcp/p/also']);
    try {
      expect(await refused(readOnly.client, 'publish', { topic: 'mcp/p/ok/1', payload: 'no' })).toMatch(/refused.*read-only.*--allow-publish/);
      expect(await refused(allowed.client, 'publish', { topic: 'mcp/p/other', payload: 'no' })).toContain('matches none of the allowed filters (mcp/p/ok/#, mcp/p/also)');
      expect(await refused(allowed.client, 'publish', { topic: 'mcp/p/ok/#', payload: 'no' })).toContain('cannot be published to');
      expect(await refused(allowed.client, 'publish', { topic: 'mcp/p/ok/big', payload: 'x'.repeat(256 * 1024 + 1) })).toContain('at most 262144');
      const ack = await call(allowed.client, 'publish', { topic: 'mcp/p/ok/1', payload: 'yes', qos: 2 });
      expect(ack).toMatchObject({ topic: 'mcp/p/ok/1', qos: 2, ack: 'PUBCOMP', reasonCode: 0 });
      await call(allowed.client, 'publish', { topic: 'mcp/p/also', payload: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64' });
      await waitFor(() => seen.length >= 2, { timeoutMs: 10_000, what: 'the allowed publishes' });
      // Only the allowed publishes reached the broker; every refused one was stopped before it.
      expect(seen.map((m) => m.topic)).toEqual(['mcp/p/ok/1', 'mcp/p/also']);
      expect([...seen[1]!.payload]).toEqual([1, 2, 3]);
    } finally {
      await allowed.client.close();
      await watcher.end();
    }
  });

  it('query_history searches a history store given with --history, newest first, in pages', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-mcp-history-'));
    const file = path.join(dir, 'history.db');
    const store = new HistoryService({ file, workerFile: await historyWorkerFile() });
    const conn = 'c1' as ConnectionId;
    await store.setRecording(conn, true, { sourceKey: 'url:mqtt://plant', label: 'Plant' });
    const t0 = Date.now() - 60_000;
    for (let i = 1; i <= 3; i++) store.record(conn, { topic: 'plant/temp', payload: Buffer.from(`${20 + i}`), qos: 1, retain: false, dup: false, receivedAt: t0 + i * 1000 });
    store.record(conn, { topic: 'plant/alarm', payload: Buffer.from('boiler pressure high'), qos: 0, retain: false, dup: false, receivedAt: t0 + 5000 });
    await store.settle();
    // The store admits one user at a time: the app (here, this test) lets go before the MCP server opens it.
    await store.close();
    const served = await serve(['-u', broker.url, '--history', file]);
    try {
      expect((await served.client.listTools()).tools.map((t) => t.name)).toContain('query_history');
      const newest = await call(served.client, 'query_history', { filter: 'plant/temp', limit: 2 });
      const messages = newest.messages as { topic: string; payload: string; source: string; qos: number }[];
      expect(messages.map((m) => m.payload)).toEqual(['23', '22']);
      expect(messages[0]).toMatchObject({ topic: 'plant/temp', source: 'url:mqtt://plant', qos: 1 });
      expect(newest.nextCursor).toEqual(expect.any(String));
      const next = await call(served.client, 'query_history', { filter: 'plant/temp', limit: 2, cursor: newest.nextCursor });
      expect((next.messages as { payload: string }[]).map((m) => m.payload)).toEqual(['21']);
      const found = await call(served.client, 'query_history', { text: 'pressure' });
      expect((found.messages as { topic: string }[]).map((m) => m.topic)).toEqual(['plant/alarm']);
      const none = await call(served.client, 'query_history', { filter: 'plant/#', since: String(Date.now() + 60_000) });
      expect(none.count).toBe(0);
    } finally {
      await served.client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tool calls against an unreachable broker fail with one clear sentence, and the server keeps serving', async () => {
    const down = await serve(['-u', `mqtt://127.0.0.1:${await freePort()}`]);
    try {
      expect(await refused(down.client, 'read_topic', { topic: 'a', waitMs: 500 })).toMatch(/refused/i);
      expect(await refused(down.client, 'list_topics', { filter: '#', durationMs: 500 })).toMatch(/refused/i);
      expect((await down.client.listTools()).tools).toHaveLength(5);
    } finally {
      await down.client.close();
    }
  });

  it('exits with usage errors like every subcommand, and ends when the client closes', async () => {
    const { spawnSync } = await import('node:child_process');
    const bad = spawnSync(process.execPath, [BIN, 'mcp', '--allow-publish', 'a/#/b'], { cwd: repoRoot, encoding: 'utf8', input: '' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--allow-publish "a/#/b" is not a valid topic filter');
    const noStore = spawnSync(process.execPath, [BIN, 'mcp', '--history', '/nonexistent/history.db'], { cwd: repoRoot, encoding: 'utf8', input: '' });
    expect(noStore.status).toBe(1);
    expect(noStore.stderr).toContain('--history /nonexistent/history.db: no such file');
    const help = spawnSync(process.execPath, [BIN, 'mcp', '--help'], { cwd: repoRoot, encoding: 'utf8', input: '' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Examples:');
    // A closed stdin ends the session: the server exits 0 on its own.
    const ended = spawnSync(process.execPath, [BIN, 'mcp', '-u', broker.url], { cwd: repoRoot, encoding: 'utf8', input: '', timeout: 30_000 });
    expect(ended.status).toBe(0);
  });
});
