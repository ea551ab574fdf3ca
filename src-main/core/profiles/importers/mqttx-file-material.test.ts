import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type ContractClient } from '../../../../shared/ipc/client';
import { createMemoryWirePair } from '../../../../shared/ipc/memory-wire';
import { createAppCore, type AppCore } from '../../app-core';
import { readForeignProfiles } from './foreign-import';
import { everyFileText } from '../../../test-support/every-file-text';

const run = promisify(execFile);

let dir: string;
let core: AppCore | undefined;

beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'topiary-mqttx-files-'));
});
afterEach(async () => {
  await core?.close();
  core = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function startCore(): Promise<ContractClient> {
  core = await createAppCore({ userDataDir: join(dir, 'user-data') });
  const [coreEnd, clientEnd] = createMemoryWirePair();
  core.attach(coreEnd);
  return createClient(clientEnd);
}


function mqttxExport(files: { ca?: string; cert?: string; key?: string }): string {
  return JSON.stringify([{ name: 'Hostile', host: 'broker.example', port: 8883, protocol: 'mqtts', ssl: true, certType: 'self', mqttVersion: '5.0', ...files }]);
}

describe('MQTTX import reading files named in the export', () => {
  it('takes nothing from files that are not certificates or keys: /etc/passwd and private files stay out of the profile and its export', async () => {
    const secretFile = join(dir, 'notes.txt');
    await fs.writeFile(secretFile, 'bank pin 4921, aws_secret_access_key=AKIAFUZZYSECRET\n', { mode: 0o600 });
    const fakePem = join(dir, 'fake.pem');
    await fs.writeFile(fakePem, '-----BEGIN CERTIFICATE-----\nTOPSECRETNOTACERT\n-----END CERTIFICATE-----\n');
    const client = await startCore();
    const result = await client.invoke('profiles.importForeign', { text: mqttxExport({ ca: '/etc/passwd', cert: fakePem, key: secretFile }) });

    expect(result.imported.map((p) => p.name)).toEqual(['Hostile']);
    expect(result.warnings).toEqual([
      'Hostile: the CA certificate file /etc/passwd is not a certificate, so nothing was taken from it; add the right file to the profile by hand.',
      `Hostile: the client certificate file ${fakePem} is not a certificate, so nothing was taken from it; add the right file to the profile by hand.`,
      `Hostile: the client key file ${secretFile} is not a private key, so nothing was taken from it; add the right file to the profile by hand.`,
    ]);
    const stored = await everyFileText(join(dir, 'user-data'));
    const exported = (await client.invoke('profiles.export', { includeSecrets: true })).text;
    const passwd = await fs.readFile('/etc/passwd', 'utf8');
    for (const text of [stored, exported]) {
      expect(text).not.toContain('root:x:0:0');
      expect(text).not.toContain(Buffer.from(passwd).toString('base64').slice(0, 40));
      expect(text).not.toContain('AKIAFUZZYSECRET');
      expect(text).not.toContain(Buffer.from('bank pin 4921').toString('base64').slice(0, 12));
      expect(text).not.toContain('TOPSECRETNOTACERT');
    }
    expect(result.list.profiles[0]?.secrets).toEqual([]);
  });

  it('reads a real CA, client certificate and key, keeps only their PEM blocks, seals the key, and names each file read', async () => {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client.key', '-out', 'client.crt', '-days', '2', '-subj', '/CN=Import Test'], { cwd: dir });
    const caFile = join(dir, 'ca-bundle.pem');
    const certPem = await fs.readFile(join(dir, 'client.crt'), 'utf8');
    const keyPem = await fs.readFile(join(dir, 'client.key'), 'utf8');
    // A bundle with a comment line and a non-certificate block: only the certificate is kept.
    await fs.writeFile(caFile, `# my CA, do not share the note below\n${certPem}-----BEGIN NOTE-----\nc2VjcmV0\n-----END NOTE-----\n`);
    // A DER key: parsed and wrapped as PEM.
    await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', 'client.key', '-outform', 'DER', '-out', 'client.der'], { cwd: dir });
    const client = await startCore();
    const result = await client.invoke('profiles.importForeign', { text: mqttxExport({ ca: caFile, cert: join(dir, 'client.crt'), key: join(dir, 'client.der') }) });

    expect(result.warnings).toEqual([
      `Hostile: read the CA certificate from ${caFile}.`,
      `Hostile: read the client certificate from ${join(dir, 'client.crt')}.`,
      `Hostile: read the client key from ${join(dir, 'client.der')} (stored sealed, like a password).`,
    ]);
    const profile = result.list.profiles[0]!;
    expect(profile.secrets).toEqual(['tls.key']);
    const tls = (profile.options as { tls?: { ca?: string[]; cert?: string } }).tls;
    expect(tls?.ca).toEqual([certPem.endsWith('\n') ? certPem : `${certPem}\n`]);
    expect(tls?.cert?.trim()).toBe(certPem.trim());
    const keyBody = keyPem.split('\n')[1]!;
    expect(await everyFileText(join(dir, 'user-data'))).not.toContain(keyBody.slice(0, 30));
    expect((await client.invoke('profiles.export', { includeSecrets: false })).text).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(profile)).not.toContain('do not share');
  });

  it('reads the key a PEM file holds even with text around it, and an encrypted key by its label', async () => {
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'plain.key'], { cwd: dir });
    await run('openssl', ['pkcs8', '-topk8', '-in', 'plain.key', '-passout', 'pass:pw', '-out', 'enc.key'], { cwd: dir });
    const warnings: string[] = [];
    const read = await readForeignProfiles(mqttxExport({ key: join(dir, 'enc.key') }), 'mqttx');
    warnings.push(...read.candidates[0]!.warnings);
    expect((read.candidates[0]!.options.tls as { key?: string }).key).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(warnings).toEqual([`Hostile: read the client key from ${join(dir, 'enc.key')} (stored sealed, like a password).`]);
  });
});
