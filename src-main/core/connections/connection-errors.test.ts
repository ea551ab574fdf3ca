import { describe, expect, it } from 'vitest';
import { classifyConnectionError, describeServerDisconnect, dtlsSetupSentence } from './connection-errors';

const context = { address: 'broker.example:1883', connectTimeoutMs: 5_000 };
const refused = (code: number): Error & { code: number } => Object.assign(new Error(`Connection refused: ${code}`), { code });
const socketError = (code: string, message = code): Error & { code: string } => Object.assign(new Error(message), { code });

describe('classifying connection failures', () => {
  it.each([4, 5, 0x86, 0x87])('treats CONNACK code 0x%s as AUTHENTICATION_FAILED', (code) => {
    expect(classifyConnectionError(refused(code), context).code).toBe('AUTHENTICATION_FAILED');
  });

  it.each([1, 0x84])('suggests MQTT 3.1.1 when the broker refuses the protocol version (code %i)', (code) => {
    const e = classifyConnectionError(refused(code), context);
    expect(e.code).toBe('PROTOCOL_ERROR');
    expect(e.message).toMatch(/Try MQTT 3\.1\.1/);
  });

  it('keeps the cause and its code in the details', () => {
    const e = classifyConnectionError(socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), context);
    expect(e.toData()).toMatchObject({ code: 'CONNECTION_FAILED', details: { cause: 'connect ECONNREFUSED 127.0.0.1:1', causeCode: 'ECONNREFUSED' } });
    expect(e.message).toContain('broker.example:1883');
  });

  it.each([
    ['CERT_HAS_EXPIRED', /expired/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /unknown CA/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /another host name/],
    ['ERR_OSSL_BAD_DECRYPT', /passphrase is wrong/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', /requires a client certificate/],
    ['ERR_SSL_SOMETHING_NEW', /TLS failed/],
  ])('names the TLS failure %s', (code, sentence) => {
    const e = classifyConnectionError(socketError(code), context);
    expect(e.code).toBe('TLS_ERROR');
    expect(e.message).toMatch(sentence);
  });

  it('calls a reset during a TLS handshake a TLS problem, and elsewhere a connection problem', () => {
    expect(classifyConnectionError(socketError('ECONNRESET'), { ...context, tlsHandshakePending: true }).code).toBe('TLS_ERROR');
    expect(classifyConnectionError(socketError('ECONNRESET'), context).code).toBe('CONNECTION_FAILED');
  });

  it('says how long it waited when the handshake timed out', () => {
    expect(classifyConnectionError(new Error('connack timeout'), context).message).toMatch(/within 5 s/);
  });

  it('describes a server DISCONNECT with its reason string', () => {
    expect(describeServerDisconnect(0x8b, 'maintenance')).toBe('The broker is shutting down. (maintenance)');
    expect(describeServerDisconnect(0xa2)).toBe('The broker disconnected the client: wildcard subscriptions not supported (0xA2).');
    expect(describeServerDisconnect(0x7f)).toBe('The broker disconnected the client (reason code 0x7F).');
  });

  it('tells a DTLS connection with no CA and no pre-shared key what to add, instead of the handshake failure it hides', () => {
    const dtls = { address: '127.0.0.1:5684', connectTimeoutMs: 2_000, dtlsUnconfigured: true };
    for (const cause of [new Error('connack timeout'), socketError('DEPTH_ZERO_SELF_SIGNED_CERT'), socketError('EPROTO', 'The DTLS handshake with 127.0.0.1:5684 failed: x')]) {
      const error = classifyConnectionError(cause, dtls);
      expect(error.code).toBe('TLS_ERROR');
      expect(error.message).toBe(dtlsSetupSentence('127.0.0.1:5684'));
      expect(error.details?.cause).toBe(cause.message);
    }
    expect(dtlsSetupSentence('h:1')).toMatch(/Add the broker's CA certificate .*choose "Pre-shared key" in a connection profile and give the PSK identity and key \(hex\)/);
    // Reaching the host and the broker's own refusals are not about the missing material.
    expect(classifyConnectionError(socketError('ENOTFOUND'), dtls).message).toMatch(/could not be found/);
    expect(classifyConnectionError(refused(0x87), dtls).code).toBe('AUTHENTICATION_FAILED');
    // With material configured, the DTLS layer's own sentence stands.
    expect(classifyConnectionError(socketError('DEPTH_ZERO_SELF_SIGNED_CERT'), { ...dtls, dtlsUnconfigured: false }).message).toMatch(/self-signed/);
  });
});
