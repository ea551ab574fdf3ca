// DTLS PSK on the server side, as an adapter around werift-dtls 0.5.8. werift defines the PSK cipher suites
// (createCipher(0x00a8) builds TLS_PSK_WITH_AES_128_GCM_SHA256) but its server flights only ever pick ECDHE with a
// certificate: flight2 demands a certificate for the signature_algorithms extension, Flight4 always sends Certificate
// and ServerKeyExchange, and Flight6 reads ClientKeyExchange as an ECDH public key. This module replaces those three
// steps for one DtlsServer instance (its onHandleHandshakes, no global patching, nothing edited in node_modules):
// HelloVerifyRequest → ServerHello(PSK suite) + ServerHelloDone → read psk_identity, premaster per RFC 4279 §2,
// master secret → the client's Finished checked (RFC 5246 §7.4.9) → werift's own Flight6 (ChangeCipherSpec + Finished).
// A client Finished that does not decrypt means the client's key differs; one that decrypts but carries the wrong
// verify_data means the handshake the client saw is not the one we saw. Either way the server answers with a fatal
// alert and reports it, instead of letting the peer time out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createCipher } from 'werift-dtls/lib/dtls/src/cipher/create.js';
import { prfMasterSecret, prfVerifyDataClient } from 'werift-dtls/lib/dtls/src/cipher/prf.js';
import { Flight } from 'werift-dtls/lib/dtls/src/flight/flight.js';
import { Flight6 } from 'werift-dtls/lib/dtls/src/flight/server/flight6.js';
import { Alert } from 'werift-dtls/lib/dtls/src/handshake/message/alert.js';
import { ClientHello } from 'werift-dtls/lib/dtls/src/handshake/message/client/hello.js';
import { ServerHello } from 'werift-dtls/lib/dtls/src/handshake/message/server/hello.js';
import { ServerHelloDone } from 'werift-dtls/lib/dtls/src/handshake/message/server/helloDone.js';
import { ServerHelloVerifyRequest } from 'werift-dtls/lib/dtls/src/handshake/message/server/helloVerifyRequest.js';
import { DtlsRandom } from 'werift-dtls/lib/dtls/src/handshake/random.js';
import { createFragments, createPlaintext } from 'werift-dtls/lib/dtls/src/record/builder.js';
import { parsePacket } from 'werift-dtls/lib/dtls/src/record/receive.js';
import type { FragmentedHandshake } from 'werift-dtls/lib/dtls/src/record/message/fragment.js';
import { DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import { sendChainFrom } from './certificate-chain';

/** TLS_PSK_WITH_AES_128_GCM_SHA256 (RFC 5487), the one PSK suite offered; OpenSSL's name is PSK-AES128-GCM-SHA256. */
export const PSK_SUITE = 0x00a8;

const HANDSHAKE = { clientHello: 1, clientKeyExchange: 16, finished: 20 } as const;
const RECORD = { alert: 21, handshake: 22 } as const;
const ALERT = { fatal: 2, handshakeFailure: 40, badRecordMac: 20, decryptError: 51, unknownPskIdentity: 115 } as const;

/** Looks a PSK identity up; undefined means "no such identity". */
export type PskLookup = (identity: string) => Buffer | undefined;

/**
 * RFC 5246 §7.4.9: whether a Finished message's verify_data is PRF(master_secret, label, SHA-256(handshake_messages))
 * over every handshake message before it (for DTLS, RFC 6347 §4.2.6: without the first ClientHello and HelloVerifyRequest).
 */
export function finishedVerifies(received: Buffer, expected: Buffer): boolean {
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** RFC 4279 §2: other_secret (N zero bytes for plain PSK) and the PSK, each with a 16-bit length. */
export function pskPremasterSecret(psk: Buffer): Buffer {
  const out = Buffer.alloc(4 + psk.length * 2);
  out.writeUInt16BE(psk.length, 0);
  out.writeUInt16BE(psk.length, 2 + psk.length);
  psk.copy(out, 4 + psk.length);
  return out;
}

/** Flight4 for PSK: ServerHello choosing PSK_SUITE, then ServerHelloDone (no Certificate, no ServerKeyExchange). */
class PskFlight4 extends Flight {
  constructor(
    udp: ConstructorParameters<typeof Flight6>[0],
    dtls: ConstructorParameters<typeof Flight6>[1],
    private readonly cipher: ConstructorParameters<typeof Flight6>[2],
  ) {
    super(udp, dtls, 4, 6);
  }

  async exec(clientHello: FragmentedHandshake): Promise<void> {
    if (this.dtls.flight === 4) {
      // The client retransmitted its hello: ours was lost, send it again.
      await this.send(this.dtls.lastMessage);
      return;
    }
    this.dtls.flight = 4;
    this.dtls.sequenceNumber = 1;
    this.dtls.bufferHandshakeCache([clientHello], false, 4);
    // Renegotiation indication (RFC 5746), empty as werift sends it; no extended master secret (werift's default).
    const hello = new ServerHello(this.dtls.version, this.cipher.localRandom, Buffer.from([0]), PSK_SUITE as never, 0, [{ type: 0xff01, data: Buffer.from([0]) }]);
    const messages = [hello, new ServerHelloDone()].map((message) => Buffer.concat(this.createPacket([message]).map((p) => p.serialize())));
    this.dtls.lastMessage = messages;
    await this.transmit(messages);
  }
}

/**
 * A werift DtlsServer that negotiates TLS_PSK_WITH_AES_128_GCM_SHA256 with keys from `lookup`. Given a certificate too,
 * a client whose hello offers no PSK suite gets werift's own certificate handshake instead.
 */
export class PskDtlsServer extends DtlsServer {
  /** The identity the client named, once its ClientKeyExchange has been read. */
  pskIdentity: string | undefined;
  private flight6Psk: Flight6 | undefined;
  private awaitingFinished = false;
  private failed = false;
  /** Why this server refused the handshake with a fatal alert, once it has. */
  refusal: Error | undefined;
  /** Decided by the first ClientHello: 'certificate' hands every later handshake message to werift's own flights. */
  private mode: 'psk' | 'certificate' | undefined;

  /** `chain`: intermediate CAs (DER) sent after the certificate to clients that take the certificate handshake. */
  constructor(options: ConstructorParameters<typeof DtlsServer>[0], private readonly lookup: PskLookup, chain: readonly Buffer[] = []) {
    super(options);
    const certificateHandshake = sendChainFrom(this, chain, this.onHandleHandshakes);
    this.onHandleHandshakes = async (assembled) => {
      if (this.mode === undefined) {
        const helloMessage = assembled.find((h) => h.msg_type === HANDSHAKE.clientHello);
        if (helloMessage && options.cert && !ClientHello.deSerialize(helloMessage.fragment).cipherSuites.includes(PSK_SUITE)) this.mode = 'certificate';
      }
      await (this.mode === 'certificate' ? certificateHandshake(assembled) : this.handlePsk(assembled));
    };
    // werift swallows records that fail to decrypt; during the handshake that is the sign of a different key.
    const original = this.transport.socket.onData;
    this.transport.socket.onData = (data, address) => {
      if (this.awaitingFinished && !this.failed) {
        for (const packet of parsePacket(data)) {
          if (packet.recordLayerHeader.epoch !== 1) continue;
          try {
            this.cipher.decryptPacket(packet);
          } catch {
            this.abort(ALERT.badRecordMac, new Error(`The client's Finished did not decrypt: its pre-shared key for identity "${this.pskIdentity ?? ''}" is wrong.`));
            return;
          }
        }
      }
      original(data, address);
    };
  }

  private abort(description: number, error: Error): void {
    this.failed = true;
    this.refusal = error;
    this.awaitingFinished = false;
    const fragment = new Alert(ALERT.fatal, description).serialize();
    for (const packet of createPlaintext(this.dtls)([{ type: RECORD.alert, fragment }], ++this.dtls.recordSequenceNumber)) {
      void this.transport.send(packet.serialize());
    }
    this.onError.execute(error);
  }

  private async handlePsk(assembled: FragmentedHandshake[]): Promise<void> {
    for (const handshake of assembled) {
      if (this.failed) return;
      switch (handshake.msg_type) {
        case HANDSHAKE.clientHello: {
          // A late or duplicated hello must not restart a session (werift would renegotiate, which PSK here does not do).
          if (this.connected) break;
          const hello = ClientHello.deSerialize(handshake.fragment);
          this.mode = 'psk';
          if (!hello.cipherSuites.includes(PSK_SUITE)) {
            this.abort(ALERT.handshakeFailure, new Error('The DTLS client offered no PSK cipher suite this listener accepts (TLS_PSK_WITH_AES_128_GCM_SHA256).'));
            return;
          }
          // A cookie-less hello after flight 4 is a stale duplicate: a new random now would break the handshake.
          if (hello.cookie.length === 0) {
            if (this.dtls.flight < 4) this.sendHelloVerifyRequest(hello);
          }
          else if (this.dtls.cookie && hello.cookie.equals(this.dtls.cookie)) await new PskFlight4(this.transport, this.dtls, this.cipher).exec(handshake);
          break;
        }
        case HANDSHAKE.clientKeyExchange: {
          if (this.connected || this.flight6Psk) break;
          this.dtls.bufferHandshakeCache([handshake], false, 5);
          const length = handshake.fragment.readUInt16BE(0);
          const identity = handshake.fragment.subarray(2, 2 + length).toString('utf8');
          this.pskIdentity = identity;
          const psk = this.lookup(identity);
          if (!psk) {
            this.abort(ALERT.unknownPskIdentity, new Error(`Unknown DTLS PSK identity "${identity}".`));
            return;
          }
          this.cipher.cipherSuite = PSK_SUITE as never;
          this.cipher.masterSecret = prfMasterSecret(pskPremasterSecret(psk), this.cipher.remoteRandom.serialize(), this.cipher.localRandom.serialize());
          this.cipher.cipher = createCipher(PSK_SUITE as never) as never;
          this.cipher.cipher.init(this.cipher.masterSecret, this.cipher.localRandom.serialize(), this.cipher.remoteRandom.serialize());
          this.flight6Psk = new Flight6(this.transport, this.dtls, this.cipher);
          this.awaitingFinished = true;
          break;
        }
        case HANDSHAKE.finished: {
          // Reaching here means the Finished record decrypted with the key derived from our PSK, so both sides hold it.
          if (!this.flight6Psk) break;
          if (this.connected) {
            // The client sent its Finished again: our flight 6 was lost, so Flight6 sends it again.
            await this.flight6Psk.exec();
            break;
          }
          // Decrypting proves the key, not the handshake: the verify_data must match the hash of the messages we saw
          // (the cache holds them all, and not yet this Finished), or someone changed them on the way.
          const expected = prfVerifyDataClient(this.cipher.masterSecret, Buffer.concat(this.dtls.sortedHandshakeCache.map((h) => h.serialize())));
          if (!finishedVerifies(handshake.fragment, expected)) {
            this.abort(ALERT.decryptError, new Error(`The client's Finished message did not verify: its verify_data does not match the handshake this server saw (identity "${this.pskIdentity ?? ''}"). The handshake was altered on the way, or the client computes it wrongly.`));
            return;
          }
          this.awaitingFinished = false;
          this.flight6Psk.handleHandshake(handshake);
          await this.flight6Psk.exec();
          this.connected = true;
          this.onConnect.execute();
          break;
        }
        default:
          break;
      }
    }
  }

  /** Flight 2: a stateless cookie exchange, as werift's flight2 does minus its certificate checks. */
  private sendHelloVerifyRequest(hello: ClientHello): void {
    this.dtls.flight = 2;
    this.dtls.recordSequenceNumber = 0;
    this.dtls.sequenceNumber = 0;
    this.cipher.localRandom = new DtlsRandom();
    this.cipher.remoteRandom = DtlsRandom.from(hello.random as never);
    this.dtls.cookie ??= randomBytes(20);
    const request = new ServerHelloVerifyRequest({ major: 255 - 1, minor: 255 - 2 }, this.dtls.cookie);
    const fragments = createFragments(this.dtls)([request]);
    const packets = createPlaintext(this.dtls)(fragments.map((f) => ({ type: RECORD.handshake, fragment: f.serialize() })), ++this.dtls.recordSequenceNumber);
    for (const packet of packets) void this.transport.send(packet.serialize());
  }
}
