// The one PKI for tests: every certificate a test, conformance run, e2e spec or benchmark needs comes from
// here, made by the real openssl binary in a temp folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPkiOptions {
  /** Common name of client.crt, which brokers may take as the username; default topiary-client. */
  readonly clientCn?: string;
}

export interface TestPki {
  readonly dir: string;
  /** Absolute path of a file inside the PKI folder. */
  path(name: string): string;
  read(name: string): Buffer;
  text(name: string): string;
  openssl(args: readonly string[]): string;
  cleanup(): void;
}

/**
 * Files written (all PEM unless the name says otherwise):
 * root.crt/.key (RSA 2048, CA pathlen 1), inter.crt/.key (EC P-256 CA signed by root),
 * server.crt/.key (EC, localhost + 127.0.0.1, signed by inter), server-chain.crt (server + inter),
 * direct.crt/.key (server signed by root), client.crt/.key (clientAuth, signed by root),
 * wrong-host.crt/.key (only DNS:wrong.example), expired.crt/.key (2020-2021, signed by root),
 * future.crt/.key (valid from 2099), self.crt/.key (self-signed localhost leaf).
 */
export function createTestPki(options: TestPkiOptions = {}): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'topiary-pki-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (args: readonly string[]): string =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');

  writeFileSync(
    path('ext.cnf'),
    [
      '[root]',
      'basicConstraints = critical, CA:true, pathlen:1',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '[inter]',
      'basicConstraints = critical, CA:true, pathlen:0',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '[server]',
      'basicConstraints = CA:false',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:localhost, IP:127.0.0.1, email:ops@example.com, URI:https://broker.example/',
      '[client]',
      'basicConstraints = CA:false',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = clientAuth',
      '[wronghost]',
      'basicConstraints = CA:false',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:wrong.example',
      '[self]',
      'basicConstraints = CA:false',
      'subjectAltName = DNS:localhost, IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  mkdirSync(path('newcerts'));
  writeFileSync(path('index.txt'), '');
  writeFileSync(path('serial'), '1000\n');
  writeFileSync(
    path('ca.cnf'),
    [
      '[ca]',
      'default_ca = dflt',
      '[dflt]',
      `database = ${path('index.txt')}`,
      `new_certs_dir = ${path('newcerts')}`,
      `serial = ${path('serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );

  const ecKey = (name: string): void => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  };
  const csr = (name: string, subject: string): void => {
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  };
  const sign = (name: string, issuer: string, section: string, days = '30'): void => {
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
      '-days', days, '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.crt`]);
  };
  const signDated = (name: string, issuer: string, section: string, start: string, end: string): void => {
    openssl(['ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', `${issuer}.crt`, '-keyfile', `${issuer}.key`,
      '-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', start, '-enddate', end, '-extfile', 'ext.cnf', '-extensions', section]);
  };

  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'root.key']);
  openssl(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/C=DE/O=Topiary Tests/CN=Topiary Test Root', '-days', '3650',
    '-config', 'ext.cnf', '-extensions', 'root', '-out', 'root.crt']);
  ecKey('inter');
  csr('inter', '/O=Topiary Tests/CN=Topiary Test Intermediate');
  sign('inter', 'root', 'inter', '1000');

  ecKey('server');
  csr('server', '/O=Topiary Tests/OU=Brokers/CN=localhost');
  sign('server', 'inter', 'server');
  writeFileSync(path('server-chain.crt'), readFileSync(path('server.crt'), 'utf8') + readFileSync(path('inter.crt'), 'utf8'));

  ecKey('direct');
  csr('direct', '/CN=localhost');
  sign('direct', 'root', 'server');

  ecKey('client');
  csr('client', `/CN=${options.clientCn ?? 'topiary-client'}`);
  sign('client', 'root', 'client');

  ecKey('wrong-host');
  csr('wrong-host', '/CN=wrong.example');
  sign('wrong-host', 'root', 'wronghost');

  ecKey('expired');
  csr('expired', '/CN=localhost expired');
  signDated('expired', 'root', 'server', '20200101000000Z', '20210101000000Z');

  ecKey('future');
  csr('future', '/CN=localhost future');
  signDated('future', 'root', 'server', '20990101000000Z', '20991231000000Z');

  ecKey('self');
  openssl(['req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=localhost', '-days', '30', '-config', 'ext.cnf',
    '-extensions', 'self', '-out', 'self.crt']);

  return {
    dir,
    path,
    read: (name) => readFileSync(path(name)),
    text: (name) => readFileSync(path(name), 'utf8'),
    openssl,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
