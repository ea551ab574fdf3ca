import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MessageView } from '../../shared/ipc/common';
import { hashPassword } from '../core/broker';
import { connect, createBroker, type EmbeddedBroker } from '../lib';
import { ensureCliBuilt, repoRoot } from '../test-support/built-cli';
import { freePort } from '../test-support/free-port';
import { waitFor } from '../test-support/wait-for';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const BIN = path.join(repoRoot, 'bin/topiary.cjs');

/** Runs `topiary …` as a child process, as a user's shell would. */
function topiary(args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: repoRoot, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-running `topiary …` and collects its output as it comes. */
function start(args: readonly string[]): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: repoRoot });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => stdout, err: () => stderr, exit };
}

// Each test starts node processes; on a loaded two-core machine one start can take seconds.
vi.setConfig({ testTimeout: 60_000 });

let broker: EmbeddedBroker;
beforeAll(async () => {
  await ensureCliBuilt();
  broker = await createBroker({ allowAnonymous: true, users: [{ username: 'ann', passwordHash: hashPassword('right', 1000) }] });
}, 120_000);
afterAll(async () => broker.stop());

describe('topiary, the command', () => {
  it('prints help with examples and exits 0; no command or an unknown one is bad usage (2)', async () => {
    const help = await topiary(['pub', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect((await topiary([])).code).toBe(2);
    const unknown = await topiary(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"frobnicate" is not a topiary command');
  });

  it.each([
    ['a bad URL', ['pub', '-u', 'htp://127.0.0.1', '-t', 'a', '-m', 'x'], 1, 'Unsupported scheme'],
    ['a wildcard in a publish topic', ['pub', '-t', 'a/+/b', '-m', 'x'], 1, 'cannot contain the wildcards'],
    ['QoS 3', ['pub', '-t', 'a', '-m', 'x', '-q', '3'], 2, 'QoS must be 0, 1 or 2, not "3"'],
    ['a missing payload file', ['pub', '-t', 'a', '-f', '/nonexistent/payload.bin'], 1, 'does not exist'],
    ['a missing CA file', ['sub', '-t', 'a', '--ca', '/nonexistent/ca.pem'], 1, 'no such file'],
    ['an unknown flag', ['sub', '-t', 'a', '--frob'], 2, "Unknown option '--frob'"],
    ['a missing topic', ['sub'], 2, 'Say what to subscribe to'],
  ])('exits with one clear sentence for %s', async (_what, args, code, sentence) => {
    const r = await topiary(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(sentence);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^error: /);
  });

  it('exits 1 naming a refused connection and a wrong password', async () => {
    const refused = await topiary(['pub', '-u', `mqtt://127.0.0.1:${await freePort()}`, '-t', 'a', '-m', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused/i);
    const wrong = await topiary(['pub', '-u', broker.url, '--user', 'ann', '-t', 'a', '-m', 'x'], { env: { TOPIARY_PASSWORD: 'wrong' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/user name or password/i);
    const right = await topiary(['pub', '-u', broker.url, '--user', 'ann', '--password', 'right', '-t', 'a', '-m', 'x']);
    expect(right.code).toBe(0);
  });

  it('pub fills templates per message and prints each acknowledgement with reason code and round trip', async () => {
    const watcher = await connect({ url: broker.url, subscriptions: [{ filter: 'cli/pub', qos: 1 }] });
    const got: string[] = [];
    watcher.on('message', (m) => got.push(Buffer.from(m.payload).toString()));
    try {
      const r = await topiary(['pub', '-u', broker.url, '-t', 'cli/pub', '-m', 'n={{counter}}', '--count', '3', '-q', '1', '--user-property', 'k=v']);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      for (const l of lines) expect(l).toMatch(/^cli\/pub: PUBACK .*\(0x00\) in \d+\.\d ms$/);
      await waitFor(() => got.length === 3, { what: 'three messages' });
      expect(got).toEqual(['n=1', 'n=2', 'n=3']);
    } finally {
      await watcher.end();
    }
  });

  it('sub prints messages and stops at --count; --timeout short of --count exits 1', async () => {
    const sub = start(['sub', '-u', broker.url, '-i', 'cli-sub-text', '-t', 'cli/sub/#', '--count', '2']);
    await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'cli-sub-text' && c.subscriptions.length > 0), { what: 'the subscriber' });
    const pub = await connect({ url: broker.url });
    await pub.publish('cli/sub/a', 'hello', { qos: 1 });
    await pub.publish('cli/sub/b', { x: 1 }, { qos: 1 });
    await pub.end();
    expect(await sub.exit).toBe(0);
    expect(sub.out()).toBe('cli/sub/a hello\ncli/sub/b {\n  "x": 1\n}\n');
    const short = await topiary(['sub', '-u', broker.url, '-t', 'cli/nothing', '--count', '5', '--timeout', '1']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('received 0 of 5 messages in 1 s');
  });

  it('sub stops cleanly on Ctrl-C, keeping what it printed', async () => {
    const sub = start(['sub', '-u', broker.url, '-i', 'cli-sub-int', '-t', 'cli/int']);
    await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'cli-sub-int' && c.subscriptions.length > 0), { what: 'the subscriber' });
    const pub = await connect({ url: broker.url });
    await pub.publish('cli/int', 'kept', { qos: 1 });
    await pub.end();
    await waitFor(() => sub.out().includes('kept'), { what: 'the message printed' });
    sub.child.kill('SIGINT');
    expect(await sub.exit).toBe(0);
    expect(sub.out()).toBe('cli/int kept\n');
    await waitFor(() => !broker.engine.listClients().some((c) => c.clientId === 'cli-sub-int'), { what: 'the client to disconnect' });
  });

  it('pipes sub --format ndjson into pub --stdin byte for byte, with properties', async () => {
    const target = await createBroker();
    const received: MessageView[] = [];
    const watcher = await connect({ url: target.url, protocolVersion: 5, subscriptions: [{ filter: 'pipe/#', qos: 2 }] });
    watcher.on('message', (m) => received.push(m));
    const payloads: Uint8Array[] = [
      new TextEncoder().encode('plain text ✓'),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), // a byte-order mark, which a lax decoder would drop
      new Uint8Array([0, 1, 2, 0xff, 0xfe, 0x80]),
      new Uint8Array(0),
      new TextEncoder().encode('line one\nline two\r\n'),
    ];
    const shell = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${BIN}" sub -u ${broker.url} -i cli-pipe -t 'pipe/#' -q 2 --format ndjson --count ${payloads.length} | "${process.execPath}" "${BIN}" pub --stdin -u ${target.url} --quiet`],
      { cwd: repoRoot },
    );
    let stderr = '';
    shell.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => shell.on('close', resolve));
    try {
      await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'cli-pipe' && c.subscriptions.length > 0), { what: 'the piped subscriber' });
      const pub = await connect({ url: broker.url, protocolVersion: 5 });
      for (const [i, p] of payloads.entries()) {
        await pub.publish(`pipe/${i}`, p, { qos: (i % 3) as 0 | 1 | 2, properties: { userProperties: [['n', String(i)]], contentType: 'application/x-test', correlationData: new Uint8Array([i, 255]) } });
      }
      await pub.end();
      expect(await exit).toBe(0);
      expect(stderr).toBe('');
      await waitFor(() => received.length === payloads.length, { what: 'every piped message' });
      for (const [i, p] of payloads.entries()) {
        const m = received.find((r) => r.topic === `pipe/${i}`);
        expect(Buffer.from(m!.payload).equals(Buffer.from(p))).toBe(true);
        expect(m!.qos).toBe(i % 3);
        expect(m!.properties?.userProperties).toEqual([['n', String(i)]]);
        expect(m!.properties?.contentType).toBe('application/x-test');
        expect([...m!.properties!.correlationData!]).toEqual([i, 255]);
      }
    } finally {
      shell.kill();
      await watcher.end();
      await target.stop();
    }
  });
});

describe('topiary broker', () => {
  it('runs headless, prints its URL, and stops on Ctrl-C', async () => {
    const b = start(['broker', '--port', '0']);
    await waitFor(() => /listening (mqtt:\/\/\S+)/.exec(b.out()), { what: 'the listening line' });
    const url = /listening (mqtt:\/\/\S+)/.exec(b.out())![1]!;
    const c = await connect({ url });
    expect((await c.publish('b/x', 'x', { qos: 1 })).ack).toBe('PUBACK');
    await c.end();
    b.child.kill('SIGINT');
    expect(await b.exit).toBe(0);
  });

  it('keeps retained messages in --data across a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-cli-data-'));
    try {
      const port = String(await freePort());
      const first = start(['broker', '--port', port, '--data', dir]);
      await waitFor(() => first.out().includes('listening'), { what: 'the first broker' });
      const c = await connect({ url: `mqtt://127.0.0.1:${port}` });
      await c.publish('kept/retained', 'still here', { qos: 1, retain: true });
      await c.end();
      first.child.kill('SIGINT');
      expect(await first.exit).toBe(0);
      const second = start(['broker', '--port', port, '--data', dir]);
      await waitFor(() => second.out().includes('listening'), { what: 'the second broker' });
      const s = await connect({ url: `mqtt://127.0.0.1:${port}` });
      // The iterator first: the retained message follows the SUBACK at once.
      const stream = s.messages('kept/#');
      await s.subscribe('kept/#');
      const m = await stream.next();
      expect(Buffer.from(m.value!.payload).toString()).toBe('still here');
      await s.end();
      second.child.kill('SIGINT');
      expect(await second.exit).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads a mosquitto.conf from mosquitto documentation style, naming each line it skips', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-cli-conf-'));
    try {
      const port = await freePort();
      await writeFile(path.join(dir, 'passwd'), `ann:${hashPassword('secret', 1000)}\n`);
      await writeFile(path.join(dir, 'acl'), 'user ann\ntopic readwrite sensors/#\n');
      const conf = path.join(dir, 'mosquitto.conf');
      await writeFile(
        conf,
        [
          '# Place your local configuration in /etc/mosquitto/conf.d/',
          'pid_file /run/mosquitto/mosquitto.pid',
          'persistence false',
          'log_dest file /var/log/mosquitto/mosquitto.log',
          `listener ${port} 127.0.0.1`,
          'allow_anonymous false',
          'password_file passwd',
          'acl_file acl',
          'max_queued_messages 1000',
          'max_inflight_messages 20',
          'include_dir /etc/mosquitto/conf.d',
        ].join('\n'),
      );
      const b = start(['broker', '-c', conf]);
      await waitFor(() => b.out().includes('listening'), { what: 'the broker' });
      expect(b.out()).toContain(`listening mqtt://127.0.0.1:${port}`);
      expect(b.err()).toContain(':2: skipped "pid_file /run/mosquitto/mosquitto.pid"');
      expect(b.err()).toContain(':4: skipped "log_dest file /var/log/mosquitto/mosquitto.log"');
      expect(b.err()).toContain(':11: skipped "include_dir /etc/mosquitto/conf.d"');
      const url = `mqtt://127.0.0.1:${port}`;
      const anonymous = await connect({ url }).then(
        () => 'connected',
        (e: { code: string }) => e.code,
      );
      expect(anonymous).not.toBe('connected');
      const ann = await connect({ url, username: 'ann', password: 'secret', protocolVersion: 5 });
      expect((await ann.publish('sensors/t', 'ok', { qos: 1 })).reasonCode).toBeLessThan(0x80);
      await expect(ann.publish('other/t', 'no', { qos: 1 })).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
      await ann.end();
      b.child.kill('SIGINT');
      expect(await b.exit).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
