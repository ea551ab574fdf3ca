import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../shared/ipc/connections';
import { freePort } from '../../test-support/free-port';
import { startCoreHarness, type CoreHarness } from '../../test-support/core-harness';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';

let broker: Mosquitto;
let passwordDir: string;
let harness: CoreHarness;

beforeAll(async () => {
  passwordDir = await mkdtemp(path.join(os.tmpdir(), 'topiary-contract-auth-'));
  execFileSync('mosquitto_passwd', ['-b', '-c', path.join(passwordDir, 'passwd'), 'bob', 'builder']);
  const port = await freePort();
  broker = await startMosquitto({ port, listeners: [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${path.join(passwordDir, 'passwd')}`] });
});

afterAll(async () => {
  await broker?.stop();
  await rm(passwordDir, { recursive: true, force: true });
});

afterEach(async () => {
  await harness?.close();
});

describe('connections over the contract', () => {
  it('delivers a refused login as AUTHENTICATION_FAILED data with a sentence', async () => {
    harness = await startCoreHarness('memory');
    const failure = await harness.client.invoke('connections.connect', { url: broker.url, username: 'bob', password: 'wrong' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'AUTHENTICATION_FAILED', message: expect.stringMatching(/user name or password|not authorized/) });
    const frame = harness.received.find((f) => f.kind === 'failure');
    expect(frame).toMatchObject({ kind: 'failure', error: { code: 'AUTHENTICATION_FAILED' } });
  });

  it('opens a connection closed with Disconnect again over the contract, and forgets it on request', async () => {
    harness = await startCoreHarness('memory');
    const info = await harness.client.invoke('connections.connect', { url: broker.url, username: 'bob', password: 'builder', subscriptions: [{ filter: 'again/#', qos: 1 }] });
    await harness.client.invoke('connections.disconnect', { connectionId: info.connectionId });
    const again = await harness.client.invoke('connections.reopen', { connectionId: info.connectionId });
    expect(again).toMatchObject({ state: 'connected', username: 'bob' });
    expect((await harness.client.invoke('connections.list', {})).map((c) => c.connectionId)).toEqual([again.connectionId]);
    await harness.client.invoke('connections.disconnect', { connectionId: again.connectionId });
    expect(await harness.client.invoke('connections.forget', { connectionId: again.connectionId })).toEqual({ deleted: 1 });
    await expect(harness.client.invoke('connections.reopen', { connectionId: again.connectionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects an invalid subscription QoS as QOS_ERROR before any socket opens', async () => {
    harness = await startCoreHarness('memory');
    await expect(
      harness.client.invoke('connections.connect', { url: broker.url, subscriptions: [{ filter: 'a/#', qos: 3 as 0 }] }),
    ).rejects.toMatchObject({ code: 'QOS_ERROR' });
    await expect(harness.client.invoke('connections.connect', { url: 'tcp://localhost' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await harness.client.invoke('connections.list', {})).toEqual([]);
  });

  it("checks the connection's broker with its credentials, each line saying how it was found, and leaves the connection alone", async () => {
    harness = await startCoreHarness('memory');
    const info = await harness.client.invoke('connections.connect', { url: broker.url, username: 'bob', password: 'builder', protocolVersion: 5 });
    const report = await harness.client.invoke('connections.checkBroker', { connectionId: info.connectionId });
    expect(report.url).toBe(broker.url);
    const line = (name: string) => report.lines.find((l) => l.name === name);
    expect(line('MQTT versions accepted')).toMatchObject({ value: '5.0, 3.1.1, 3.1', how: expect.stringMatching(/^test:/) });
    expect(line('will delivery')).toMatchObject({ value: 'delivered' });
    expect(line('retained messages')?.how).toMatch(/^test:/);
    expect(await harness.client.invoke('connections.get', { connectionId: info.connectionId })).toMatchObject({ state: 'connected' });
    await expect(harness.client.invoke('connections.checkBroker', { connectionId: 'no-such-connection' as typeof info.connectionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);

  it('connects, reports status events, answers info, pages the packet log and exports it as JSON lines', async () => {
    harness = await startCoreHarness('memory');
    const statuses: ConnectionInfo[] = [];
    harness.client.on('connections.statusChanged', (info) => statuses.push(info));
    const info = await harness.client.invoke('connections.connect', {
      url: broker.url,
      username: 'bob',
      password: 'builder',
      subscriptions: [{ filter: 'contract/#', qos: 1 }],
    });
    expect(info).toMatchObject({ state: 'connected', queuedCount: 0, broker: { reasonCode: 0, sessionPresent: false } });
    await waitFor(() => statuses.some((s) => s.state === 'connected'), { what: 'connected event' });
    expect(statuses[0]?.state).toBe('connecting');

    const again = await harness.client.invoke('connections.get', { connectionId: info.connectionId });
    expect(again.url).toBe(broker.url);

    const page = await harness.client.invoke('connections.listPacketLog', { connectionId: info.connectionId, limit: 2 });
    expect(page.entries.map((e) => e.type)).toEqual(['connect', 'connack']);
    expect(page.total).toBeGreaterThanOrEqual(4);
    const outgoing = await harness.client.invoke('connections.listPacketLog', { connectionId: info.connectionId, direction: 'out' });
    expect(outgoing.entries.every((e) => e.direction === 'out')).toBe(true);

    const file = await harness.client.invoke('connections.exportPacketLog', { connectionId: info.connectionId, types: ['subscribe'] });
    expect(file).toMatchObject({ mediaType: 'application/x-ndjson', fileName: expect.stringMatching(/^topiary-packets-.+\.jsonl$/) });
    const lines = file.text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; topics: string[] });
    expect(lines).toEqual([expect.objectContaining({ type: 'subscribe', topics: ['contract/#'] })]);
    expect((await harness.client.invoke('connections.exportPacketLog', { connectionId: info.connectionId })).text).not.toContain('builder');

    await harness.client.invoke('connections.disconnect', { connectionId: info.connectionId });
    await expect(harness.client.invoke('connections.get', { connectionId: info.connectionId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
