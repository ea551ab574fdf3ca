import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateId } from '../../shared/ipc/certificates';
import type { ProfileId } from '../../shared/ipc/profiles';
import { TopiaryError } from '../../shared/ipc/errors';
import { createAppCore, type AppCore } from './app-core';

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
    const result = await h['broker.quickTls']({}, ctx);
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
    const result = await core.handlers['broker.quickTls']({}, ctx);
    const error = await Promise.resolve(core.handlers['certificates.delete']({ id: result.serverIdentityId as CertificateId, force: false }, ctx)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TopiaryError);
    expect((error as TopiaryError).code).toBe('IN_USE');
    expect((error as TopiaryError).message).toMatch(/Embedded broker \(tls listener on port \d+\)/);
  });
});
