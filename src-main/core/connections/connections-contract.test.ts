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

  it('rejects an invalid subscription QoS as QOS_ERROR before any socket opens', async () => {
    harness = await startCoreHarness('memory');
    await expect(
      harness.client.invoke('connections.connect', { url: broker.url, subscriptions: [{ filter: 'a/#', qos: 3 as 0 }] }),
    ).rejects.toMatchObject({ code: 'QOS_ERROR' });
    await expect(harness.client.invoke('connections.connect', { url: 'tcp://localhost' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await harness.client.invoke('connections.list', {})).toEqual([]);
  });

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
