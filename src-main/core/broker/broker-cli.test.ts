import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, topiaryBrokerBin } from '../../test-support/built-cli';

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'topiary-cli-'));
}, 120_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; lines: string[]; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [topiaryBrokerBin, ...args]);
  children.push(child);
  const lines: string[] = [];
  let err = '';
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, stderr: () => err, exit };
}

async function waitLines(lines: string[], n: number, exit: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited = false;
  void exit.then(() => (exited = true));
  while (lines.length < n) {
    if (exited) throw new Error('CLI exited early');
    if (Date.now() > deadline) throw new Error('CLI did not print its listeners');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('topiary-broker (the alias of topiary broker)', () => {
  it("answers --help with topiary broker's usage, and an unknown flag as bad usage (2)", async () => {
    const help = run(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.lines[0]).toBe('Usage: topiary broker [--port N] [--host ADDRESS] [--config FILE] [-c mosquitto.conf] [--data DIR]');
    const bad = run(['--frob']);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toContain("Unknown option '--frob'");
  });

  it('prints one line per listener, serves MQTT, and exits cleanly on SIGTERM', async () => {
    const { child, lines, exit } = run(['--port', '0']);
    await waitLines(lines, 1, exit);
    const m = /^listening (mqtt:\/\/127\.0\.0\.1:(\d+))$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    const c = await mqtt.connectAsync(m![1]!, { reconnectPeriod: 0 });
    await c.subscribeAsync('cli/x');
    const got = new Promise<string>((r) => c.once('message', (_t, p) => r(p.toString())));
    await c.publishAsync('cli/x', 'hello');
    expect(await got).toBe('hello');
    await c.endAsync();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('takes listeners from --config and reports each', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ listeners: [{ kind: 'tcp', port: 0 }, { kind: 'ws', port: 0, path: '/m' }], allowAnonymous: true }));
    const { child, lines, exit } = run(['--config', cfg]);
    await waitLines(lines, 2, exit);
    expect(lines[0]).toMatch(/^listening mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^listening ws:\/\/127\.0\.0\.1:\d+\/m$/);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('exits with a coded, actionable error for a bad config', async () => {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ limits: { maxInflight: -1 } }));
    const { exit, stderr } = run(['--config', cfg]);
    expect(await exit).toBe(1);
    expect(stderr()).toMatch(/error: Broker setting "limits.maxInflight" is invalid/);
  });

  it('keeps serving after peers that send garbage, refused WebSocket upgrades and resets, on every listener', async () => {
    const cfg = join(dir, 'hostile.json');
    writeFileSync(cfg, JSON.stringify({ listeners: [{ kind: 'tcp', port: 0 }, { kind: 'ws', port: 0, path: '/m' }], allowAnonymous: true }));
    const { child, lines, exit, stderr } = run(['--config', cfg]);
    await waitLines(lines, 2, exit);
    const tcpPort = Number(/:(\d+)$/.exec(lines[0]!)![1]);
    const wsPort = Number(/:(\d+)\/m$/.exec(lines[1]!)![1]);
    const hostile = (port: number, bytes: string): Promise<void> =>
      new Promise((done) => {
        const socket = connectTcp(port, '127.0.0.1', () => {
          socket.write(bytes);
          setImmediate(() => socket.resetAndDestroy());
        });
        socket.on('error', () => done());
        socket.on('close', () => done());
      });
    const upgrade = (path: string): string =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    for (let i = 0; i < 50; i++) {
      await Promise.all([
        hostile(tcpPort, '\x10\xff\xff\xff\xff\x7fgarbage'),
        hostile(tcpPort, 'GET / HTTP/1.1\r\n\r\n'),
        hostile(wsPort, upgrade('/not-mqtt')),
        hostile(wsPort, upgrade('/m')),
        hostile(wsPort, 'NOT HTTP\r\n\r\n'),
      ]);
    }
    expect(child.exitCode).toBeNull();
    // Handled where they happen: nothing reached the process guard (which would log and carry on).
    expect(stderr()).not.toContain('unhandled');
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${tcpPort}`, { reconnectPeriod: 0 });
    await c.endAsync();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
