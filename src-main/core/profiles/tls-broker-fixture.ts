// Test support only: a mosquitto TLS listener with a password, its CA made by openssl in a temp folder.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../net/free-port';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';

const run = promisify(execFile);

export interface TlsBroker {
  /** mqtts://127.0.0.1:<port> */
  readonly url: string;
  readonly caPem: string;
  readonly username: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** Starts mosquitto with one TLS listener (server cert for 127.0.0.1/localhost) that requires a user name and password. */
export async function startTlsBroker(credentials: { username: string; password: string }): Promise<TlsBroker> {
  const pki = await mkdtemp(path.join(tmpdir(), 'topiary-profiles-pki-'));
  const file = (name: string): string => path.join(pki, name);
  const openssl = (args: readonly string[]): Promise<unknown> => run('openssl', args, { cwd: pki });
  await writeFile(file('server.ext'), 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Topiary Profiles Test CA']);
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  await run('mosquitto_passwd', ['-b', '-c', file('passwd'), credentials.username, credentials.password]);

  const port = await freePort();
  let broker: Mosquitto;
  try {
    broker = await startMosquitto({
      port,
      listeners: [`listener ${port} 127.0.0.1`, `certfile ${file('server.crt')}`, `keyfile ${file('server.key')}`, 'allow_anonymous false', `password_file ${file('passwd')}`],
    });
  } catch (error) {
    await rm(pki, { recursive: true, force: true });
    throw error;
  }
  const caPem = await readFile(file('ca.crt'), 'utf8');
  return {
    url: `mqtts://127.0.0.1:${port}`,
    caPem,
    ...credentials,
    async stop() {
      await broker.stop();
      await rm(pki, { recursive: true, force: true });
    },
  };
}
