import { TopiaryError } from '../../../shared/ipc/errors';
import { hexCode, reasonName } from '../../../shared/mqtt/reason-codes';

// MQTT 3.1.1 CONNACK return codes (§3.2.2.3) and the MQTT 5 CONNACK reason codes (§3.2.2.2)
// that mean "who you are" rather than "where you went".
const V3_RETURN_CODES: Readonly<Record<number, string>> = {
  1: 'The broker does not support this MQTT protocol version. Try MQTT 3.1.1.',
  2: 'The broker rejected the client id. Use another client id, or let Topiary generate one.',
  3: 'The broker says the MQTT service is unavailable right now. Try again later.',
  4: 'The broker rejected the user name or password. Check the credentials.',
  5: 'The broker says this client is not authorized to connect. Check the user name, password or certificate the broker expects.',
};

const V5_REASON_CODES: Readonly<Record<number, string>> = {
  0x80: 'The broker refused the connection for an unspecified reason.',
  0x81: 'The broker could not parse the CONNECT packet (malformed packet).',
  0x82: 'The broker reported a protocol error in the CONNECT packet.',
  0x83: 'The broker refused the connection for an implementation-specific reason.',
  0x84: 'The broker does not support MQTT 5.0. Try MQTT 3.1.1.',
  0x85: 'The broker rejected the client id. Use another client id, or let Topiary generate one.',
  0x86: 'The broker rejected the user name or password. Check the credentials.',
  0x87: 'The broker says this client is not authorized to connect. Check the user name, password or certificate the broker expects.',
  0x88: 'The broker is unavailable right now. Try again later.',
  0x89: 'The broker is busy. Try again later.',
  0x8a: 'The broker has banned this client.',
  0x8c: 'The broker does not support the authentication method requested.',
  0x90: 'The broker rejected the will topic name.',
  0x95: 'The CONNECT packet was larger than the broker accepts.',
  0x97: 'The broker refused the connection: a quota was exceeded.',
  0x99: 'The broker refused the will payload (payload format invalid).',
  0x9a: 'The broker does not support retained will messages.',
  0x9b: 'The broker does not support the will QoS requested.',
  0x9c: 'The broker asked the client to use another server.',
  0x9d: 'The broker has moved permanently; use another server.',
  0x9f: 'The broker refused the connection: connection rate exceeded. Wait and try again.',
};

const AUTH_V3 = new Set([4, 5]);
const AUTH_V5 = new Set([0x86, 0x87, 0x8a, 0x8c]);
const VERSION_CODES = new Set([1, 0x84]);

const TLS_CODES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: "The broker's certificate has expired. Ask its operator to renew it, or check the machine's clock.",
  CERT_NOT_YET_VALID: "The broker's certificate is not valid yet. Check the machine's clock.",
  DEPTH_ZERO_SELF_SIGNED_CERT: "The broker's certificate is self-signed. Add it (or the CA that made it) to the profile's trusted CAs.",
  SELF_SIGNED_CERT_IN_CHAIN: "The broker's certificate chain ends in a CA this profile does not trust. Add that CA to the profile's trusted CAs.",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "The broker's certificate was issued by an unknown CA. Add that CA (or the missing intermediate) to the profile's trusted CAs.",
  UNABLE_TO_GET_ISSUER_CERT: "The broker's certificate was issued by an unknown CA. Add that CA (or the missing intermediate) to the profile's trusted CAs.",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "The broker's certificate was issued by an unknown CA (or the broker sent an incomplete chain). Add the CA that issued it, and any intermediate, to the profile's trusted CAs.",
  ERR_TLS_CERT_ALTNAME_INVALID: "The broker's certificate is for another host name. Connect with a name the certificate lists, or set the SNI/server name.",
  ERR_OSSL_BAD_DECRYPT: 'The private key could not be decrypted: the key passphrase is wrong.',
  ERR_OSSL_EVP_BAD_DECRYPT: 'The private key could not be decrypted: the key passphrase is wrong.',
  ERR_OSSL_PEM_BAD_BASE64_DECODE: 'The certificate or key is not valid PEM.',
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: 'The client key does not match the client certificate.',
  ERR_SSL_WRONG_VERSION_NUMBER: 'The server did not answer with TLS. Use mqtt:// (or ws://) for a plain listener, or check the port.',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'The broker requires a client certificate. Add a client identity to the profile.',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'The TLS handshake failed; the broker may require a client certificate or a cipher this client does not offer.',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'The broker rejected the client certificate.',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "The broker does not trust the CA of the client certificate.",
};

export interface ErrorContext {
  /** host:port, for sentences. */
  readonly address: string;
  readonly connectTimeoutMs: number;
  /** The TLS handshake had started and not finished: a reset then means the port does not serve TLS, or wants a client certificate. */
  readonly tlsHandshakePending?: boolean;
  /**
   * An mqtts-dtls:// broker, and the connection has nothing to secure the session with (no CA, no client certificate,
   * no pre-shared key): a failed or silent handshake then most likely means exactly that, whatever the DTLS layer said.
   */
  readonly dtlsUnconfigured?: boolean;
}

/** The socket-level codes that mean "could not reach it", which a missing CA or key does not explain. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** What to add, for an mqtts-dtls:// connection that has no certificate authority and no pre-shared key. */
export function dtlsSetupSentence(address: string): string {
  return (
    `${address} is a DTLS broker and this connection has nothing to secure the session with: no trusted CA and no pre-shared key. ` +
    `Add the broker's CA certificate (in the profile's TLS section, or the certificate store), or, for a PSK listener, ` +
    `choose "Pre-shared key" in a connection profile and give the PSK identity and key (hex) the broker knows you by.`
  );
}

/** Maps whatever MQTT.js, the socket or TLS reported into a code and a sentence a person can act on. */
export function classifyConnectionError(error: unknown, context: ErrorContext): TopiaryError {
  const classified = classifyCause(error, context);
  const errno = (error as { code?: unknown } | null)?.code;
  const explainedByDtls = classified.code === 'TLS_ERROR' || (classified.code === 'CONNECTION_FAILED' && typeof errno !== 'number' && !(typeof errno === 'string' && UNREACHABLE.has(errno)));
  if (context.dtlsUnconfigured && explainedByDtls) return new TopiaryError('TLS_ERROR', dtlsSetupSentence(context.address), { ...classified.details, was: classified.message });
  return classified;
}

function classifyCause(error: unknown, context: ErrorContext): TopiaryError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; reason?: unknown };
  const code = e.code;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const details = { cause: message, ...(code !== undefined ? { causeCode: code } : {}) };

  if (typeof code === 'number') {
    // MQTT.js reports CONNACK refusals as ErrorWithReasonCode: v3 return codes are 1..5, v5 reason codes >= 0x80.
    const sentence = V5_REASON_CODES[code] ?? V3_RETURN_CODES[code];
    if (AUTH_V3.has(code) || AUTH_V5.has(code)) return new TopiaryError('AUTHENTICATION_FAILED', sentence ?? message, details);
    if (VERSION_CODES.has(code)) return new TopiaryError('PROTOCOL_ERROR', sentence ?? message, details);
    return new TopiaryError('CONNECTION_FAILED', sentence ?? `The broker refused the connection (reason code ${code}).`, details);
  }
  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED') {
      return new TopiaryError('CONNECTION_FAILED', `Connection refused by ${context.address}: nothing is listening there. Check the host and port, and that the broker is running.`, details);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new TopiaryError('CONNECTION_FAILED', `The host in ${context.address} could not be found. Check the spelling of the host name.`, details);
    }
    if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return new TopiaryError('CONNECTION_FAILED', `${context.address} could not be reached (${code}). Check the address and the network.`, details);
    }
    if ((code === 'ECONNRESET' || code === 'EPIPE') && context.tlsHandshakePending) {
      return new TopiaryError('TLS_ERROR', `${context.address} closed the connection during the TLS handshake. Check that this port serves TLS (use mqtt:// or ws:// for a plain listener), and whether the broker requires a client certificate.`, details);
    }
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      return new TopiaryError('CONNECTION_FAILED', `${context.address} closed the connection during the handshake. Check that the port speaks MQTT and the scheme (mqtt/mqtts/ws/wss) is right.`, details);
    }
    const tls = TLS_CODES[code];
    if (tls !== undefined) return new TopiaryError('TLS_ERROR', tls, details);
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.startsWith('ERR_OSSL')) {
      return new TopiaryError('TLS_ERROR', `TLS failed: ${message}`, details);
    }
  }
  if (/connack timeout/i.test(message)) {
    return new TopiaryError('CONNECTION_FAILED', `${context.address} did not answer the MQTT handshake within ${Math.round(context.connectTimeoutMs / 1000)} s. Check that the port speaks MQTT and the scheme is right.`, details);
  }
  if (/Unexpected server response|ws.*(400|404)/i.test(message)) {
    return new TopiaryError('CONNECTION_FAILED', `${context.address} did not accept a WebSocket upgrade (${message}). Check the URL's path (often /mqtt).`, details);
  }
  return new TopiaryError('CONNECTION_FAILED', `Could not connect to ${context.address}: ${message}`, details);
}

/** Reasons whose plain name would not tell a person what happened. */
const DISCONNECT_SENTENCES: Readonly<Record<number, string>> = {
  0x00: 'The broker closed the connection normally.',
  0x89: 'The broker is busy and disconnected the client.',
  0x8b: 'The broker is shutting down.',
  0x8e: 'Another client connected with the same client id and took over the session.',
  0x98: 'An administrator disconnected the client.',
  0x9c: 'The broker asked the client to use another server.',
  0x9d: 'The broker has moved permanently.',
};

/** A sentence for a DISCONNECT the broker sent (MQTT 5). */
export function describeServerDisconnect(reasonCode: number, reasonString?: string): string {
  const name = reasonName(reasonCode);
  const base =
    DISCONNECT_SENTENCES[reasonCode] ??
    (name === undefined ? `The broker disconnected the client (reason code ${hexCode(reasonCode)}).` : `The broker disconnected the client: ${name.toLowerCase()} (${hexCode(reasonCode)}).`);
  return reasonString ? `${base} (${reasonString})` : base;
}
