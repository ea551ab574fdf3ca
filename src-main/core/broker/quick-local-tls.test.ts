import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateId } from '../../../shared/ipc/certificates';
import type { ProfileId } from '../../../shared/ipc/profiles';
import { TopiaryError } from '../../../shared/ipc/errors';
import { createAppCore, type AppCore } from '../app-core';

const ctx = { clientId: 'test' };

describe('quick local TLS', () => {
  let dir: string;
  let core: AppCore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-quick-tls-'));
    core = await createAppCore({ userDataDir: dir });
  });

  afterEach(async () => {
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a CA, certificates, a TLS listener and a profile that connects on the first try', async () => {
    const h = core.handlers;
    const result = await h['broker.createQuickTls']({}, ctx);
    expect(result.status.running).toBe(true);
    const tls = result.status.listeners.find((l) => l.kind === 'tls');
    expect(tls).toMatchObject({ host: '127.0.0.1', exposed: false });
    expect(result.url).toBe(`mqtts://localhost:${tls?.port}`);

    const info = await h['profiles.connect']({ id: result.profileId as ProfileId }, ctx);
    expect(info.state).toBe('connected');

    // An outside client that trusts the generated CA verifies the server too.
    const { text: caPem } = await h['certificates.exportPem']({ id: result.caId as CertificateId, includePrivateKey: false }, ctx);
    const outside = await mqtt.connectAsync(result.url, { ca: caPem, rejectUnauthorized: true });
    await outside.endAsync();
    await expect(mqtt.connectAsync(result.url, { rejectUnauthorized: true, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
  });

  it('names the broker listener when its server certificate is about to be deleted', async () => {
    const result = await core.handlers['broker.createQuickTls']({}, ctx);
    const error = await Promise.resolve(core.handlers['certificates.delete']({ id: result.serverIdentityId as CertificateId, force: false }, ctx)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TopiaryError);
    expect((error as TopiaryError).code).toBe('IN_USE');
    expect((error as TopiaryError).message).toMatch(/Embedded broker \(tls listener on port \d+\)/);
  });
});

describe('a secure WebSocket listener requiring client certificates', () => {
  it('admits a client with a certificate from the store CA and refuses one without', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-wss-'));
    const core = await createAppCore({ userDataDir: dir });
    try {
      const h = core.handlers;
      const ca = await h['certificates.generateCa']({ commonName: 'Test CA', keyAlgorithm: 'ec-p256' }, ctx);
      const server = await h['certificates.issue']({ caId: ca.id, kind: 'server-identity', commonName: 'localhost', keyAlgorithm: 'ec-p256' }, ctx);
      const client = await h['certificates.issue']({ caId: ca.id, kind: 'client-identity', commonName: 'sensor-9', keyAlgorithm: 'ec-p256' }, ctx);
      const current = await h['broker.getStatus']({}, ctx);
      const status = await h['broker.saveSettings'](
        {
          settings: {
            ...current.settings,
            listeners: [
              { kind: 'tcp', port: 0, host: '127.0.0.1' },
              { kind: 'wss', port: 0, host: '127.0.0.1', path: '/mqtt', serverIdentityId: server.id, clientCaId: ca.id, requireClientCertificate: true, useCertificateCnAsUsername: true },
            ],
          },
        },
        ctx,
      );
      const started = status.running ? status : await h['broker.start']({}, ctx);
      const wss = started.listeners.find((l) => l.kind === 'wss');
      expect(wss?.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
      const caPem = (await h['certificates.exportPem']({ id: ca.id, includePrivateKey: false }, ctx)).text;
      const identity = (await h['certificates.exportPem']({ id: client.id, includePrivateKey: true }, ctx)).text;
      const url = `wss://localhost:${wss?.port}/mqtt`;
      const admitted = await mqtt.connectAsync(url, { ca: caPem, cert: identity, key: identity, protocolVersion: 5 });
      await admitted.endAsync();
      const clients = await h['broker.listClients']({}, ctx);
      expect(clients).toEqual([]);
      await expect(mqtt.connectAsync(url, { ca: caPem, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    } finally {
      await core.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
