// DTLS PSK on the client side, as an adapter around werift-dtls 0.5.8 (see psk-server.ts for why one is needed):
// its Flight1 offers every certificate suite and its Flight5 always sends an ECDH ClientKeyExchange. This client offers
// only TLS_PSK_WITH_AES_128_GCM_SHA256, answers ServerHelloDone with psk_identity + ChangeCipherSpec + Finished, and
// turns the server's fatal alerts (wrong key, unknown identity) into a clear error instead of a handshake timeout.
import { createCipher } from 'werift-dtls/lib/dtls/src/cipher/create.js';
import { prfMasterSecret, prfVerifyDataServer } from 'werift-dtls/lib/dtls/src/cipher/prf.js';
import { Flight } from 'werift-dtls/lib/dtls/src/flight/flight.js';
import { Flight3 } from 'werift-dtls/lib/dtls/src/flight/client/flight3.js';
import { Alert } from 'werift-dtls/lib/dtls/src/handshake/message/alert.js';
import { ChangeCipherSpec } from 'werift-dtls/lib/dtls/src/handshake/message/changeCipherSpec.js';
import { ClientHello } from 'werift-dtls/lib/dtls/src/handshake/message/client/hello.js';
import { Finished } from 'werift-dtls/lib/dtls/src/handshake/message/finished.js';
import { ServerHello } from 'werift-dtls/lib/dtls/src/handshake/message/server/hello.js';
import { ServerHelloVerifyRequest } from 'werift-dtls/lib/dtls/src/handshake/message/server/helloVerifyRequest.js';
import { DtlsRandom } from 'werift-dtls/lib/dtls/src/handshake/random.js';
import { createPlaintext } from 'werift-dtls/lib/dtls/src/record/builder.js';
import { FragmentedHandshake } from 'werift-dtls/lib/dtls/src/record/message/fragment.js';
import { parsePacket } from 'werift-dtls/lib/dtls/src/record/receive.js';
import { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { finishedVerifies, PSK_SUITE, pskPremasterSecret } from './psk-server';

const HANDSHAKE = { helloVerifyRequest: 3, serverHello: 2, serverKeyExchange: 12, serverHelloDone: 14, finished: 20 } as const;
const RECORD = { changeCipherSpec: 20, alert: 21 } as const;
const ALERT_TEXT: Readonly<Record<number, string>> = {
  20: 'the server could not decrypt our Finished: the pre-shared key is wrong for this identity',
  40: 'the server accepts none of the offered cipher suites (is PSK enabled on this listener?)',
  51: 'the server could not verify our Finished message (the handshake was altered on the way, or the pre-shared key is wrong)',
  115: 'the server does not know this PSK identity',
};

/** A fatal alert the server sent during the PSK handshake, in words. */
export class DtlsPskAlert extends Error {
  constructor(readonly description: number) {
    super(`DTLS PSK handshake refused: ${ALERT_TEXT[description] ?? `alert ${description}`}.`);
  }
}

/** RFC 4279 ClientKeyExchange: just the identity, with a 16-bit length. */
class PskClientKeyExchange {
  readonly msgType = 16;
  messageSeq: number | undefined = undefined;
  constructor(private readonly identity: Buffer) {}
  serialize(): Buffer {
    const out = Buffer.alloc(2 + this.identity.length);
    out.writeUInt16BE(this.identity.length, 0);
    this.identity.copy(out, 2);
    return out;
  }
  toFragment(): FragmentedHandshake {
    const body = this.serialize();
    return new FragmentedHandshake(this.msgType, body.length, this.messageSeq ?? 0, 0, body.length, body);
  }
}

type Ctx = ConstructorParameters<typeof Flight3>;

class PskFlight1 extends Flight {
  constructor(udp: Ctx[0], dtls: Ctx[1], private readonly cipher: PskDtlsClient['cipher']) {
    super(udp, dtls, 1, 3);
  }
  async exec(): Promise<void> {
    this.dtls.flight = 1;
    // Only the PSK suite, and only the (empty) renegotiation indication: no curves or signatures to offer.
    const hello = new ClientHello({ major: 255 - 1, minor: 255 - 2 }, new DtlsRandom() as never, Buffer.alloc(0), Buffer.alloc(0), [PSK_SUITE], [0], [{ type: 0xff01, data: Buffer.from([0]) }]);
    this.dtls.version = hello.clientVersion;
    this.cipher.localRandom = DtlsRandom.from(hello.random as never);
    await this.transmit([Buffer.concat(this.createPacket([hello]).map((p) => p.serialize()))]);
  }
}

class PskFlight5 extends Flight {
  constructor(udp: Ctx[0], dtls: Ctx[1], private readonly cipher: PskDtlsClient['cipher'], private readonly identity: string, private readonly psk: Buffer) {
    super(udp, dtls, 5, 7);
  }
  async exec(): Promise<void> {
    if (this.dtls.flight === 5) {
      await this.send(this.dtls.lastMessage);
      return;
    }
    this.dtls.flight = 5;
    const keyExchange = Buffer.concat(this.createPacket([new PskClientKeyExchange(Buffer.from(this.identity, 'utf8'))]).map((p) => p.serialize()));
    this.cipher.cipherSuite = PSK_SUITE as never;
    this.cipher.masterSecret = prfMasterSecret(pskPremasterSecret(this.psk), this.cipher.localRandom.serialize(), this.cipher.remoteRandom.serialize());
    this.cipher.cipher = createCipher(PSK_SUITE as never) as never;
    this.cipher.cipher.init(this.cipher.masterSecret, this.cipher.remoteRandom.serialize(), this.cipher.localRandom.serialize());
    const ccs = createPlaintext(this.dtls)([{ type: RECORD.changeCipherSpec, fragment: ChangeCipherSpec.createEmpty().serialize() }], ++this.dtls.recordSequenceNumber);
    const cache = Buffer.concat(this.dtls.sortedHandshakeCache.map((h) => h.serialize()));
    const finished = new Finished(this.cipher.verifyData(cache));
    this.dtls.epoch = 1;
    const [packet] = this.createPacket([finished]);
    this.dtls.recordSequenceNumber = 0;
    const messages = [keyExchange, Buffer.concat(ccs.map((p) => p.serialize())), this.cipher.encryptPacket(packet!).serialize()];
    this.dtls.lastMessage = messages;
    await this.transmit(messages);
  }
}

/** A werift DtlsClient that negotiates TLS_PSK_WITH_AES_128_GCM_SHA256 as `identity` with `psk`. */
export class PskDtlsClient extends DtlsClient {
  private flight5Psk: PskFlight5 | undefined;

  constructor(options: ConstructorParameters<typeof DtlsClient>[0], private readonly identity: string, private readonly psk: Buffer) {
    super(options);
    this.onHandleHandshakes = (assembled) => this.handlePsk(assembled);
    // werift reports an alert only as onClose; during the handshake, say which alert it was.
    const original = this.transport.socket.onData;
    this.transport.socket.onData = (data, address) => {
      if (!this.connected) {
        for (const packet of parsePacket(data)) {
          if (packet.recordLayerHeader.contentType === RECORD.alert && packet.recordLayerHeader.epoch === 0) {
            const alert = Alert.deSerialize(packet.fragment);
            if (alert.level === 2) {
              this.onError.execute(new DtlsPskAlert(alert.description));
              return;
            }
          }
        }
      }
      original(data, address);
    };
  }

  /** Resolves once the handshake has finished; rejects on a fatal alert or a cipher suite other than PSK. */
  override async connect(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.onConnect.once(() => resolve());
      this.onError.once((error: Error) => reject(error));
    });
    await Promise.race([new PskFlight1(this.transport, this.dtls, this.cipher).exec(), done]);
    await done;
  }

  /** Flight 5 once ServerHello and ServerHelloDone are both in (datagrams are lost and reordered); again if it was lost. */
  private async maybeFlight5(): Promise<void> {
    if (!this.dtls.checkHandshakesExist([HANDSHAKE.serverHello, HANDSHAKE.serverHelloDone])) return;
    this.flight5Psk ??= new PskFlight5(this.transport, this.dtls, this.cipher, this.identity, this.psk);
    await this.flight5Psk.exec();
  }

  private async handlePsk(assembled: FragmentedHandshake[]): Promise<void> {
    for (const handshake of assembled) {
      switch (handshake.msg_type) {
        case HANDSHAKE.helloVerifyRequest:
          if (this.dtls.flight === 1) await new Flight3(this.transport, this.dtls).exec(ServerHelloVerifyRequest.deSerialize(handshake.fragment));
          break;
        case HANDSHAKE.serverHello: {
          if (this.connected || this.dtls.flight >= 5) break;
          this.dtls.bufferHandshakeCache([handshake], false, 4);
          const hello = ServerHello.deSerialize(handshake.fragment);
          if ((hello.cipherSuite as number) !== PSK_SUITE) {
            this.onError.execute(new Error(`The DTLS server chose cipher suite 0x${hello.cipherSuite.toString(16)}, not the PSK suite offered.`));
            return;
          }
          this.cipher.remoteRandom = DtlsRandom.from(hello.random as never);
          // ServerHelloDone may have overtaken it.
          await this.maybeFlight5();
          break;
        }
        case HANDSHAKE.serverKeyExchange:
          // Only a psk_identity_hint, which this client does not use; it still counts in the handshake hash.
          if (this.dtls.flight < 5) this.dtls.bufferHandshakeCache([handshake], false, 4);
          break;
        case HANDSHAKE.serverHelloDone:
          if (this.connected) break;
          if (this.dtls.flight < 5) this.dtls.bufferHandshakeCache([handshake], false, 4);
          await this.maybeFlight5();
          break;
        case HANDSHAKE.finished: {
          // It decrypted with the key derived from our PSK, so the server holds the same key; its verify_data must
          // also match every handshake message we saw, our own Finished included (RFC 5246 §7.4.9).
          if (this.connected) break;
          const expected = prfVerifyDataServer(this.cipher.masterSecret, Buffer.concat(this.dtls.sortedHandshakeCache.map((h) => h.serialize())));
          if (!finishedVerifies(handshake.fragment, expected)) {
            this.onError.execute(new Error("The DTLS server's Finished message did not verify: the handshake was altered on the way."));
            return;
          }
          this.dtls.flight = 7;
          this.connected = true;
          this.onConnect.execute();
          break;
        }
        default:
          break;
      }
    }
  }
}
