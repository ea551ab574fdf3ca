import type { BrokerSettings, BrokerStatus, QuickTlsResult } from '../../../shared/ipc/broker';
import type { CertificateEntryView } from '../../../shared/ipc/certificates';
import type { ParsedArg } from '../../../shared/ipc/contract';
import type { ProfileId } from '../../../shared/ipc/profiles';
import { freePort } from '../net/free-port';

export interface QuickTlsDeps {
  generateCa(args: ParsedArg<'certificates.generateCa'>): Promise<CertificateEntryView>;
  issue(args: ParsedArg<'certificates.issue'>): Promise<CertificateEntryView>;
  brokerStatus(): BrokerStatus;
  saveBrokerSettings(settings: BrokerSettings): Promise<BrokerStatus>;
  startBroker(): Promise<BrokerStatus>;
  saveProfile(args: ParsedArg<'profiles.save'>): Promise<{ readonly id: ProfileId }>;
}

/**
 * One action for local TLS: a local CA, a server certificate for localhost and 127.0.0.1 and a
 * client certificate signed by it, a TLS listener on the embedded broker using them, and a
 * connection profile that trusts that CA, so it works on the first try.
 */
export async function setUpQuickLocalTls(deps: QuickTlsDeps): Promise<QuickTlsResult> {
  const stamp = new Date().toISOString().slice(0, 10);
  const ca = await deps.generateCa({ commonName: 'Topiary local CA', label: `Topiary local CA ${stamp}`, keyAlgorithm: 'ec-p256' });
  const server = await deps.issue({
    caId: ca.id,
    kind: 'server-identity',
    commonName: 'localhost',
    label: `Embedded broker (localhost) ${stamp}`,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    keyAlgorithm: 'ec-p256',
  });
  const client = await deps.issue({ caId: ca.id, kind: 'client-identity', commonName: 'topiary-client', label: `Topiary client ${stamp}`, keyAlgorithm: 'ec-p256' });
  // A fixed port, so the profile's URL stays right across restarts.
  const port = await freePort();
  const current = deps.brokerStatus().settings;
  const settings: BrokerSettings = {
    ...current,
    listeners: [
      ...current.listeners,
      { kind: 'tls', port, host: '127.0.0.1', serverIdentityId: server.id, clientCaId: ca.id, requireClientCertificate: false, useCertificateCnAsUsername: false },
    ],
  };
  let status = await deps.saveBrokerSettings(settings);
  if (!status.running) status = await deps.startBroker();
  const url = `mqtts://localhost:${port}`;
  const profile = await deps.saveProfile({
    name: 'Embedded broker (TLS)',
    folder: 'Local',
    options: { url, tls: { caIds: [ca.id], identityId: client.id, rejectUnauthorized: true } },
    clearSecrets: [],
  });
  return { status, url, profileId: profile.id, caId: ca.id, serverIdentityId: server.id, clientIdentityId: client.id };
}
