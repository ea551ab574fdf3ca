// DTLS certificate chains through an intermediate CA, with chains made by openssl in a temp folder (test-support/pki):
// the server sends its intermediates after its certificate, and the client accepts leaf → intermediate → trusted root,
// and refuses a chain whose intermediate is missing, untrusted, or not a CA at all.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../test-support/pki';
import { waitFor } from '../../../test-support/wait-for';
import { pemCertificates, verifyServerCertificate } from './certificate-chain';
import { connectDtlsSession, DtlsReliableServer } from './dtls-endpoint';

let pki: TestPki;
let stranger: TestPki;

const der = (pem: string): Buffer => new X509Certificate(pem).raw;

// Two PKIs from openssl (an RSA-2048 root each): seconds idle, near a minute on a busy 2-core machine.
beforeAll(() => {
  pki = createTestPki();
  stranger = createTestPki();
  // A leaf "issued" by not-ca.crt, which the root issued as CA:false and without a keyUsage (so nothing but the CA
  // flag says it may not sign certificates): a chain a verifier must not follow.
  writeFileSync(pki.path('not-ca.cnf'), '[notca]\nbasicConstraints = critical, CA:false\n[leaf]\nbasicConstraints = CA:false\nsubjectAltName = DNS:localhost\n');
  for (const name of ['not-ca', 'evil']) {
    pki.openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
    pki.openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name === 'evil' ? 'localhost' : 'not a CA'}`, '-out', `${name}.csr`]);
  }
  pki.openssl(['x509', '-req', '-in', 'not-ca.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', '30', '-out', 'not-ca.crt', '-extfile', 'not-ca.cnf', '-extensions', 'notca']);
  pki.openssl(['x509', '-req', '-in', 'evil.csr', '-CA', 'not-ca.crt', '-CAkey', 'not-ca.key', '-CAcreateserial', '-days', '30', '-out', 'evil.crt', '-extfile', 'not-ca.cnf', '-extensions', 'leaf']);
}, 120_000);

afterAll(() => {
  pki.cleanup();
  stranger.cleanup();
});

describe('verifyServerCertificate with chains', () => {
  it('accepts leaf → intermediate → root when the root is trusted and the intermediate is sent', () => {
    expect(verifyServerCertificate([der(pki.text('server.crt')), der(pki.text('inter.crt'))], [pki.text('root.crt')], '127.0.0.1')).toBeUndefined();
  });

  it('refuses when the intermediate is missing, saying the server must send it', () => {
    const problem = verifyServerCertificate([der(pki.text('server.crt'))], [pki.text('root.crt')], '127.0.0.1');
    expect(problem?.code).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    expect(problem?.message).toMatch(/did not send \(a server with an intermediate CA must send it/);
  });

  it('refuses when the chain ends in a root this connection does not trust', () => {
    const problem = verifyServerCertificate([der(pki.text('server.crt')), der(pki.text('inter.crt'))], [stranger.text('root.crt')], '127.0.0.1');
    expect(problem?.code).toBe('UNABLE_TO_GET_ISSUER_CERT');
    expect(problem?.message).toMatch(/chains through .*which this connection does not trust/);
  });

  it('refuses an intermediate that the trusted root did not sign (one from another PKI)', () => {
    const problem = verifyServerCertificate([der(pki.text('server.crt')), der(stranger.text('inter.crt'))], [pki.text('root.crt')], '127.0.0.1');
    expect(problem?.code).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  it('refuses a chain through a certificate that is not a CA, even one the trusted root issued', () => {
    const problem = verifyServerCertificate([der(pki.text('evil.crt')), der(pki.text('not-ca.crt'))], [pki.text('root.crt')], 'localhost');
    expect(problem?.code).toBe('ERR_TLS_DTLS_INVALID_CA');
    expect(problem?.message).toMatch(/not a CA certificate/);
  });

  it('still accepts a leaf issued by the trusted root directly, and a pinned self-signed leaf', () => {
    expect(verifyServerCertificate([der(pki.text('direct.crt'))], [pki.text('root.crt')], 'localhost')).toBeUndefined();
    expect(verifyServerCertificate([der(pki.text('self.crt'))], [pki.text('self.crt')], 'localhost')).toBeUndefined();
  });
});

describe('a DTLS server with an intermediate CA', () => {
  /** Starts a server with `cert` (PEM, maybe with its chain) and connects a client trusting `ca`: 'ok' or the client's error. */
  async function handshake(cert: string, ca: readonly string[]): Promise<'ok' | (Error & { code?: string })> {
    const server = await DtlsReliableServer.listen({ host: '127.0.0.1', port: 0, cert, key: pki.text('server.key') });
    let sessions = 0;
    server.on('session', () => sessions++);
    const session = connectDtlsSession({ host: '127.0.0.1', port: server.address().port, ca, rejectUnauthorized: true, handshakeTimeoutMs: 10_000 });
    let failure: (Error & { code?: string }) | undefined;
    session.on('error', (e: Error) => (failure = e));
    // Bytes written now wait for the handshake and the certificate check: the server sees a session only if both passed.
    session.write(Buffer.from('hello'));
    try {
      await waitFor(() => sessions > 0 || failure !== undefined, { timeoutMs: 15_000, what: () => 'the handshake to end' });
      return failure ?? 'ok';
    } finally {
      session.destroy();
      await server.close();
    }
  }

  it('sends the chain, and a client that trusts the root accepts it', async () => {
    expect(pemCertificates(pki.text('server-chain.crt'))).toHaveLength(2);
    expect(await handshake(pki.text('server-chain.crt'), [pki.text('root.crt')])).toBe('ok');
  }, 30_000);

  it('sends a chain that openssl s_client verifies up to the root', async () => {
    const server = await DtlsReliableServer.listen({ host: '127.0.0.1', port: 0, cert: pki.text('server-chain.crt'), key: pki.text('server.key') });
    const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${server.address().port}`, '-CAfile', pki.path('root.crt'), '-verify_return_error', '-verify_hostname', 'localhost'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', () => undefined);
    let out = '';
    let exited = false;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => (exited = true));
    // Nothing to send: s_client shakes hands, reads end of input, and exits, flushing its report.
    child.stdin.end();
    try {
      await waitFor(() => exited, { timeoutMs: 15_000, what: () => `s_client to finish (${out.slice(-300)})` });
      expect(out).toMatch(/Verify return code: 0 \(ok\)/);
      expect(out).toMatch(/1 s:.*CN ?= ?[^\n]*\n\s*i:.*Root/i);
    } finally {
      child.kill();
      await server.close();
    }
  }, 30_000);

  it('without the intermediate in its file, the client refuses with a clear error', async () => {
    const failure = await handshake(pki.text('server.crt'), [pki.text('root.crt')]);
    expect(failure).not.toBe('ok');
    expect((failure as Error & { code?: string }).code).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  }, 30_000);

  it('with the chain sent but its root untrusted, the client refuses', async () => {
    const failure = await handshake(pki.text('server-chain.crt'), [stranger.text('root.crt')]);
    expect((failure as Error & { code?: string }).code).toBe('UNABLE_TO_GET_ISSUER_CERT');
  }, 30_000);
});
