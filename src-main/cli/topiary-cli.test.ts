import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MessageView } from '../../shared/ipc/common';
import { hashPassword } from '../core/broker';
import { TOPIARY_VERSION } from '../core/version';
import { connect, createBroker, type EmbeddedBroker } from '../lib';
import { ensureCliBuilt, repoRoot } from '../test-support/built-cli';
import { TOPIARY_BIN, runTopiary as topiary, startTopiary as start } from '../test-support/topiary-process';
import { freePort } from '../test-support/free-port';
import { waitFor } from '../test-support/wait-for';

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

  it('prints its version with --version', async () => {
    const r = await topiary(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`topiary ${TOPIARY_VERSION}\n`);
  });

  it('loads only what the command needs: publishing over TCP does not load the DTLS library', async () => {
    // A preload that prints, at exit, whether werift-dtls (about 0.4 s of CPU to load) was loaded.
    const probe = path.join(await mkdtemp(path.join(os.tmpdir(), 'topiary-load-probe-')), 'probe.cjs');
    await writeFile(probe, `process.on('exit', () => process.stderr.write('loaded: ' + Object.keys(require.cache).some((k) => k.includes('/node_modules/werift-dtls/')) + '\\n'));`);
    const r = await topiary(['pub', '--help'], { env: { NODE_OPTIONS: `--require ${probe}` } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('loaded: false\n');
    await rm(path.dirname(probe), { recursive: true, force: true });
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
      await waitFor(() => got.length === 3, { timeoutMs: 30_000, what: 'three messages' });
      expect(got).toEqual(['n=1', 'n=2', 'n=3']);
    } finally {
      await watcher.end();
    }
  });

  it('sub prints messages and stops at --count; --timeout short of --count exits 1', async () => {
    const sub = start(['sub', '-u', broker.url, '-i', 'cli-sub-text', '-t', 'cli/sub/#', '--count', '2']);
    await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'cli-sub-text' && c.subscriptions.length > 0), { timeoutMs: 30_000, what: 'the subscriber' });
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
    await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'cli-sub-int' && c.subscriptions.length > 0), { timeoutMs: 30_000, what: 'the subscriber' });
    const pub = await connect({ url: broker.url });
    await pub.publish('cli/int', 'kept', { qos: 1 });
    await pub.end();
    await waitFor(() => sub.out().includes('kept'), { timeoutMs: 30_000, what: 'the message printed' });
    sub.child.kill('SIGINT');
    expect(await sub.exit).toBe(0);
    expect(sub.out()).toBe('cli/int kept\n');
    await waitFor(() => !broker.engine.listClients().some((c) => c.clientId === 'cli-sub-int'), { timeoutMs: 30_000, what: 'the client to disconnect' });
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
      ['-c', `"${process.execPath}" "${TOPIARY_BIN}" sub -u ${broker.url} -i cli-pipe -t 'pipe/#' -q 2 --format ndjson --count ${payloads.length} | "${process.execPath}" "${TOPIARY_BIN}" pub --stdin -u ${target.url} --quiet`],
      { cwd: repoRoot },
    );
    let stderr = '';
    shell.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => shell.on('close', resolve));
    try {
      await waitFor(() => broker.engine.listClients().some((c) => c.clientId === 'cli-pipe' && c.subscriptions.length > 0), { timeoutMs: 30_000, what: 'the piped subscriber' });
      const pub = await connect({ url: broker.url, protocolVersion: 5 });
      for (const [i, p] of payloads.entries()) {
        await pub.publish(`pipe/${i}`, p, { qos: (i % 3) as 0 | 1 | 2, properties: { userProperties: [['n', String(i)]], contentType: 'application/x-test', correlationData: new Uint8Array([i, 255]) } });
      }
      await pub.end();
      expect(await exit).toBe(0);
      expect(stderr).toBe('');
      await waitFor(() => received.length === payloads.length, { timeoutMs: 30_000, what: 'every piped message' });
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

describe('topiary check', () => {
  it('prints a table, or JSON with --json, each line saying how it was determined; an unreachable broker exits 1', async () => {
    const table = await topiary(['check', '-u', broker.url]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/MQTT versions accepted\s+5\.0, 3\.1\.1, 3\.1\s+test: connected with each version/);
    expect(table.stdout).toMatch(/receive maximum\s+\d+\s+CONNACK property/);
    const json = await topiary(['check', '-u', broker.url, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { url: string; lines: { name: string; value: string; how: string }[] };
    expect(report.url).toBe(broker.url);
    expect(report.lines.find((l) => l.name === 'will delivery')).toEqual({ name: 'will delivery', value: 'delivered', how: 'test: dropped a connection without DISCONNECT' });
    const refused = await topiary(['check', '-u', `mqtt://127.0.0.1:${await freePort()}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Connection refused/);
  });
});

describe('topiary broker', () => {
  it('runs headless, prints its URL, and stops on Ctrl-C', async () => {
    const b = start(['broker', '--port', '0']);
    await waitFor(() => /listening (mqtt:\/\/\S+)/.exec(b.out()), { timeoutMs: 30_000, what: 'the listening line' });
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
      await waitFor(() => first.out().includes('listening'), { timeoutMs: 30_000, what: 'the first broker' });
      const c = await connect({ url: `mqtt://127.0.0.1:${port}` });
      await c.publish('kept/retained', 'still here', { qos: 1, retain: true });
      await c.end();
      first.child.kill('SIGINT');
      expect(await first.exit).toBe(0);
      const second = start(['broker', '--port', port, '--data', dir]);
      await waitFor(() => second.out().includes('listening'), { timeoutMs: 30_000, what: 'the second broker' });
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
      await waitFor(() => b.out().includes('listening'), { timeoutMs: 30_000, what: 'the broker' });
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

describe('topiary cert', () => {
  it('makes a CA, server and client certificates that a mosquitto.conf TLS listener and pub --ca/--cert/--key use', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-cli-cert-'));
    const at = (f: string): string => path.join(dir, f);
    try {
      expect((await topiary(['cert', 'ca', '--cn', 'Test CA', '--out', at('ca')])).code).toBe(0);
      expect((await topiary(['cert', 'server', '--ca-cert', at('ca.crt'), '--ca-key', at('ca.key'), '--cn', 'localhost', '--san', '127.0.0.1', '--san', 'localhost', '--out', at('server')])).code).toBe(0);
      expect((await topiary(['cert', 'client', '--ca-cert', at('ca.crt'), '--ca-key', at('ca.key'), '--cn', 'device-1', '--out', at('client')])).code).toBe(0);
      const again = await topiary(['cert', 'ca', '--cn', 'Other', '--out', at('ca')]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists');
      const inspect = await topiary(['cert', 'inspect', at('server.crt'), '--json']);
      expect(inspect.code).toBe(0);
      const details = JSON.parse(inspect.stdout) as { certificates: { subject: { commonName: string }; subjectAltNames: { ip: string[]; dns: string[] }; extendedKeyUsage: string[] }[] };
      expect(details.certificates[0]).toMatchObject({ subject: { commonName: 'localhost' }, subjectAltNames: { ip: ['127.0.0.1'], dns: ['localhost'] }, extendedKeyUsage: ['serverAuth'] });

      const port = await freePort();
      await writeFile(
        at('tls.conf'),
        [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'certfile server.crt', 'keyfile server.key', 'cafile ca.crt', 'require_certificate true'].join('\n'),
      );
      const b = start(['broker', '-c', at('tls.conf')]);
      try {
        await waitFor(() => b.out().includes('listening'), { timeoutMs: 30_000, what: 'the TLS broker' });
        const url = `mqtts://127.0.0.1:${port}`;
        const ok = await topiary(['pub', '-u', url, '--ca', at('ca.crt'), '--cert', at('client.crt'), '--key', at('client.key'), '-t', 'tls/t', '-m', 'x', '-q', '1']);
        expect(ok.stderr).toBe('');
        expect(ok.code).toBe(0);
        const noCert = await topiary(['pub', '-u', url, '--ca', at('ca.crt'), '-t', 'tls/t', '-m', 'x']);
        expect(noCert.code).toBe(1);
        expect(noCert.stderr).toMatch(/^error: .*(certificate|TLS)/i);
      } finally {
        b.child.kill('SIGINT');
        await b.exit;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('topiary bench', () => {
  it('publishes, delivers and connects within its bounds and reports a table, as JSON with --json', async () => {
    const pub = await topiary(['bench', 'pub', '-u', broker.url, '-q', '1', '-n', '300', '-c', '2', '--json']);
    expect(pub.code).toBe(0);
    expect(JSON.parse(pub.stdout)).toMatchObject({ mode: 'pub', qos: 1, messages: 600, acknowledged: 600, failed: 0 });
    const sub = await topiary(['bench', 'sub', '-u', broker.url, '-q', '2', '-n', '100', '-c', '2', '--json']);
    expect(sub.code).toBe(0);
    expect(JSON.parse(sub.stdout)).toMatchObject({ mode: 'sub', expected: 200, delivered: 200, lost: 0 });
    const conn = await topiary(['bench', 'conn', '-u', broker.url, '-c', '5']);
    expect(conn.code).toBe(0);
    expect(conn.stdout).toMatch(/connected\s+5\n/);
    const refused = await topiary(['bench', 'conn', '-u', `mqtt://127.0.0.1:${await freePort()}`, '-c', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: 2 connects failed; the first: Connection refused/);
  });
});
