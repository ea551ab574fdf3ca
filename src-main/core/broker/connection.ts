import { isUtf8 } from 'node:buffer';
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, IDisconnectPacket, ISubscribePacket, IUnsubscribePacket, Packet } from 'mqtt-packet';
import type { AuthResult } from './authenticator';
import type { BrokerCore } from './broker-core';
import { DecodeError, decodePublish, encodeAck, encodePublish, readFrameHeader } from './codec';
import { createMessage, userPropertiesToPairs, type Message } from './message';
import { sameOwner, stillReadable, willPermitted } from './access-guard';
import { PRE_CONNECT_MAX_PACKET, retainable } from './connect-guard';
import { ReasonCode, connackCodeForV3, describeReason } from './reason-codes';
import type { Outgoing, Session, SessionLink } from './session';
import { createSubscription } from './subscription-index';
import { isValidTopicFilter, isValidTopicName, parseSharedFilter } from './topic';
import type { Transport } from './transport';
import type { ProtocolVersion, QoS } from './types';

/** Largest packet the protocol allows (remaining length 268,435,455 plus the fixed header). */
export const PROTOCOL_MAX_PACKET = 268_435_460;
/** Above this much unsent data to a client, publishers feeding it are paused (backpressure). */
const CONGESTED_BYTES = 1024 * 1024;
/** Paused publishers resume once the client's backlog is below this. */
const RESUME_BYTES = 256 * 1024;
/** QoS 0 messages are dropped (and counted) for a client with this much unsent data. */
const SLOW_CONSUMER_BYTES = 16 * 1024 * 1024;
/** A congested client whose backlog has not shrunk for this long is stalled: stop pacing publishers to it. */
const STALL_MS = 1000;
const BACKLOG_POLL_MS = 5;
const SESSION_NEVER_EXPIRES = 0xffffffff;
const PINGRESP = Buffer.from([0xd0, 0x00]);
const EMPTY = Buffer.alloc(0);

/** 'authenticating': CONNECT read, its password being checked off the event loop; input waits meanwhile. */
type State = 'awaiting-connect' | 'authenticating' | 'connected' | 'closed';

/** One client connection: frames bytes, applies the protocol, and links to a session. */
export class Connection implements SessionLink {
  state: State = 'awaiting-connect';
  version: ProtocolVersion = 4;
  v5 = false;
  clientId = '';
  username: string | undefined;
  session: Session | undefined;
  keepalive = 0;
  lastActivity: number;
  /** When the socket was accepted: the CONNECT deadline counts from here. */
  readonly acceptedAt = Date.now();
  /** Accepted over the connection limit only to be told so at CONNECT. */
  overLimit = false;
  connectedSince = 0;
  sendQuota = 65535;
  private clientMaxPacket = PROTOCOL_MAX_PACKET;
  private readonly topicAliases = new Map<number, string>();
  private pending: Buffer | undefined;
  private pendingChunks: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes still missing from the packet started in `pending` (0 while its header is incomplete). */
  private pendingNeed = 0;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private parsed: Packet | undefined;
  private parseError: Error | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  flushQueued = false;
  /** The will from CONNECT; cleared by a normal DISCONNECT. */
  will: { message: Message; delay: number; expiryInterval: number | undefined; username?: string } | undefined;
  private rateWindowStart = 0;
  private rateCount = 0;
  /** Set when the client ended the connection with DISCONNECT (no will). */
  graceful = false;
  closeReason = 'connection closed';
  closeReasonCode: number | undefined;
  takenOver = false;
  /** Reading is paused because a client we feed is congested. */
  paused = false;
  /** Publishers paused until this connection's backlog drains. */
  private throttled: Connection[] = [];
  private backlogTimer: NodeJS.Timeout | undefined;
  private lastBacklog = 0;
  private lastProgressAt = 0;
  /** The client stopped reading: its QoS 0 messages are dropped rather than pacing publishers. */
  private stalled = false;

  constructor(
    private readonly broker: BrokerCore,
    readonly transport: Transport,
  ) {
    this.lastActivity = broker.clock;
    this.parser.on('packet', (p: Packet) => {
      this.parsed = p;
    });
    this.parser.on('error', (e: Error) => {
      this.parseError = e;
    });
    transport.onData((chunk) => this.onData(chunk));
    transport.onClose(() => this.onTransportClosed());
  }

  /** Read through a getter so TypeScript does not narrow it across calls that may close us. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  // ---- inbound ------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.broker.beginHandling();
    try {
      this.readChunk(chunk);
    } finally {
      this.broker.endHandling();
    }
  }

  private readChunk(chunk: Buffer): void {
    this.lastActivity = Date.now();
    this.broker.stats.bytesReceived += chunk.length;
    let buf = chunk;
    if (this.pending) {
      // A large packet arrives in many chunks: collect them and join once, not once per chunk.
      this.pendingChunks.push(retainable(chunk));
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.pendingNeed) return;
      buf = Buffer.concat([this.pending, ...this.pendingChunks]);
      this.pending = undefined;
      this.pendingChunks = [];
      this.pendingBytes = 0;
      this.pendingNeed = 0;
    }
    let off = 0;
    const limit = this.state === 'connected' ? this.broker.maxPacketSize : Math.min(PRE_CONNECT_MAX_PACKET, this.broker.maxPacketSize);
    while (off < buf.length && this.state !== 'closed' && this.state !== 'authenticating') {
      const h = readFrameHeader(buf, off);
      if (h === 'incomplete') break;
      if (h === 'malformed') return this.fail(ReasonCode.MalformedPacket, 'remaining length longer than 4 bytes');
      if (h.total > limit) {
        return this.fail(ReasonCode.PacketTooLarge, `packet of ${h.total} bytes exceeds the maximum of ${limit}`);
      }
      if (off + h.total > buf.length) {
        this.pendingNeed = h.total - (buf.length - off);
        break;
      }
      const frame = buf.subarray(off, off + h.total);
      off += h.total;
      try {
        this.handleFrame(frame, h.total - h.remaining);
      } catch (e) {
        // A bug or an input we did not foresee must cost one connection, never the broker.
        return this.fail(ReasonCode.ImplementationSpecificError, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (off < buf.length && !this.closed) {
      buf = buf.subarray(off);
      // Copy small leftovers so one partial packet does not pin a large socket chunk.
      this.pending = buf.length < 4096 ? Buffer.from(buf) : buf;
    }
  }

  private handleFrame(frame: Buffer, headerLength: number): void {
    const type = frame[0]! >> 4;
    this.broker.stats.messagesReceived++;
    if (type === 3) {
      if (this.state !== 'connected') return this.fail(ReasonCode.ProtocolError, 'PUBLISH before CONNECT');
      let pub;
      try {
        pub = decodePublish(frame, headerLength, this.v5);
      } catch (e) {
        if (e instanceof DecodeError) return this.fail(e.reasonCode, e.message);
        throw e;
      }
      this.broker.currentSource = this;
      try {
        this.handlePublish(pub.topic, pub.payload, pub.qos, pub.retain, pub.packetId, pub.properties);
      } finally {
        this.broker.currentSource = undefined;
      }
      return;
    }
    if (type >= 4 && type <= 7) {
      // Acknowledgements are the bulk of QoS 1/2 traffic: decode them here, not via the generic parser.
      if (this.state !== 'connected') return this.fail(ReasonCode.ProtocolError, 'acknowledgement before CONNECT');
      const remaining = frame.length - headerLength;
      if ((frame[0]! & 0x0f) !== (type === 6 ? 2 : 0)) return this.fail(ReasonCode.MalformedPacket, 'invalid acknowledgement header flags');
      if (remaining < 2 || (!this.v5 && remaining !== 2)) return this.fail(ReasonCode.MalformedPacket, 'invalid acknowledgement length');
      const packetId = frame.readUInt16BE(headerLength);
      const reasonCode = remaining > 2 ? frame[headerLength + 2]! : 0;
      if (type === 4) this.session!.complete(packetId, 'puback');
      else if (type === 5) this.handlePubrec(packetId, reasonCode);
      else if (type === 6) this.handlePubrel(packetId);
      else this.session!.complete(packetId, 'pubcomp');
      return;
    }
    if (type === 12) {
      if (frame.length !== 2 || frame[0] !== 0xc0) return this.fail(ReasonCode.MalformedPacket, 'malformed PINGREQ');
      if (this.state !== 'connected') return this.fail(ReasonCode.ProtocolError, 'PINGREQ before CONNECT');
      this.write(PINGRESP);
      return;
    }
    if (this.state === 'awaiting-connect' && type === 1) {
      const refusal = this.checkConnectHeader(frame, headerLength);
      if (refusal) return;
    }
    const p = this.parseFrame(frame);
    if (p instanceof Error) return this.fail(ReasonCode.MalformedPacket, p.message);
    if (this.state === 'awaiting-connect') {
      if (p.cmd !== 'connect') return this.fail(ReasonCode.ProtocolError, `${p.cmd.toUpperCase()} before CONNECT`);
      this.handleConnect(p);
      return;
    }
    switch (p.cmd) {
      case 'connect':
        return this.fail(ReasonCode.ProtocolError, 'second CONNECT on one connection');
      case 'puback':
        this.session?.complete(p.messageId ?? 0, 'puback');
        return;
      case 'pubrec':
        return this.handlePubrec(p.messageId ?? 0, p.reasonCode ?? 0);
      case 'pubrel':
        return this.handlePubrel(p.messageId ?? 0);
      case 'pubcomp':
        this.session?.complete(p.messageId ?? 0, 'pubcomp');
        return;
      case 'subscribe':
        return this.handleSubscribe(p);
      case 'unsubscribe':
        return this.handleUnsubscribe(p);
      case 'disconnect':
        return this.handleDisconnect(p);
      case 'auth':
        return this.fail(ReasonCode.ProtocolError, 'AUTH without an authentication method');
      default:
        return this.fail(ReasonCode.ProtocolError, `a client must not send ${p.cmd.toUpperCase()}`);
    }
  }

  private parseFrame(frame: Buffer): Packet | Error {
    this.parsed = undefined;
    this.parseError = undefined;
    this.parser.parse(frame);
    const p = this.parsed as Packet | undefined;
    const err = this.parseError as Error | undefined;
    this.parsed = undefined;
    if (err || !p) return err ?? new Error('incomplete packet');
    return p;
  }

  /** Answers unsupported protocol levels before mqtt-packet rejects them without a reply. */
  private checkConnectHeader(frame: Buffer, headerLength: number): boolean {
    let pos = headerLength;
    if (pos + 2 > frame.length) return false;
    const nameLen = frame.readUInt16BE(pos);
    pos += 2;
    if (pos + nameLen + 1 > frame.length) return false;
    const name = frame.toString('latin1', pos, pos + nameLen);
    const level = frame[pos + nameLen]! & 0x7f;
    if (name !== 'MQTT' && name !== 'MQIsdp') {
      this.fail(ReasonCode.ProtocolError, `unknown protocol name "${name}"`);
      return true;
    }
    const supported = level === 3 || level === 4 || level === 5;
    if (!supported || !this.broker.protocolVersions.includes(level as ProtocolVersion)) {
      if (level === 5) {
        this.version = 5;
        this.v5 = true;
      } else {
        this.version = 4;
      }
      this.refuse(ReasonCode.UnsupportedProtocolVersion, `protocol level ${level} is not accepted`);
      return true;
    }
    return false;
  }

  private handleConnect(p: IConnectPacket): void {
    const b = this.broker;
    this.version = (p.protocolVersion ?? 4) as ProtocolVersion;
    this.v5 = this.version === 5;
    (this.parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = this.version;
    const props = p.properties ?? {};
    if (this.v5) {
      if (props.authenticationMethod !== undefined) return this.refuse(ReasonCode.BadAuthenticationMethod, 'enhanced authentication is not supported');
      if (props.receiveMaximum === 0) return this.refuse(ReasonCode.ProtocolError, 'receive maximum of 0');
      if (props.maximumPacketSize === 0) return this.refuse(ReasonCode.ProtocolError, 'maximum packet size of 0');
    }
    let clientId = p.clientId;
    let assigned = false;
    if (clientId === '') {
      if (this.v5 || (this.version === 4 && p.clean)) {
        clientId = b.assignClientId();
        assigned = true;
      } else {
        return this.refuse(ReasonCode.ClientIdentifierNotValid, 'empty client id without clean session');
      }
    }
    this.clientId = clientId;
    if (p.will) {
      const w = p.will;
      if (!isValidTopicName(w.topic)) return this.refuse(ReasonCode.TopicNameInvalid, 'invalid will topic');
      if ((w.qos ?? 0) > b.maximumQos) return this.refuse(ReasonCode.QosNotSupported, 'will QoS above the maximum');
      if (w.retain && !b.retainAvailable) return this.refuse(ReasonCode.RetainNotSupported, 'retained will while retain is off');
      const payload = typeof w.payload === 'string' ? Buffer.from(w.payload) : w.payload;
      const wp = w.properties;
      if (wp?.payloadFormatIndicator && !isUtf8(payload)) return this.refuse(ReasonCode.PayloadFormatInvalid, 'will payload is not UTF-8');
      const message = createMessage(
        w.topic,
        payload,
        (w.qos ?? 0) as QoS,
        !!w.retain,
        wp
          ? {
              payloadFormatIndicator: wp.payloadFormatIndicator === undefined ? undefined : Number(wp.payloadFormatIndicator),
              contentType: wp.contentType,
              responseTopic: wp.responseTopic,
              correlationData: wp.correlationData,
              userProperties: userPropertiesToPairs(wp.userProperties),
            }
          : undefined,
        undefined,
        clientId,
        0,
      );
      this.will = { message, delay: wp?.willDelayInterval ?? 0, expiryInterval: wp?.messageExpiryInterval };
    }
    const capacity = b.admitConnection(this);
    if (capacity !== ReasonCode.Success) return this.refuse(capacity, capacity === ReasonCode.ConnectionRateExceeded ? 'connection rate exceeded' : 'too many connections');
    const auth = b.auth.authenticate({ username: p.username, password: p.password, certificateUsername: this.transport.certificateUsername });
    if (auth instanceof Promise) return this.awaitAuthentication(auth, p, assigned);
    this.completeConnect(p, auth, assigned);
  }

  /** The password is being checked on the thread pool: stop reading (what arrived stays pending) until it answers. */
  private awaitAuthentication(pending: Promise<AuthResult>, p: IConnectPacket, assigned: boolean): void {
    this.state = 'authenticating';
    this.transport.pause();
    void pending.then((auth) => {
      if (this.state !== 'authenticating') return; // closed meanwhile
      this.state = 'awaiting-connect';
      this.broker.beginHandling();
      try {
        this.completeConnect(p, auth, assigned);
        if (this.closed) return;
        this.transport.resume();
        // Packets sent right behind CONNECT were kept in `pending`.
        this.readChunk(EMPTY);
      } catch (e) {
        this.fail(ReasonCode.ImplementationSpecificError, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.broker.endHandling();
      }
    });
  }

  private completeConnect(p: IConnectPacket, auth: AuthResult, assigned: boolean): void {
    const b = this.broker;
    const clientId = this.clientId;
    const props = p.properties ?? {};
    if (!auth.ok) {
      b.emit({ type: 'auth.failed', at: Date.now(), clientId, remoteAddress: this.remoteAddress, username: p.username, reasonCode: auth.reasonCode });
      return this.refuse(auth.reasonCode, 'authentication failed');
    }
    this.username = auth.username;
    if (this.will) {
      // mosquitto 2.0 accepts a 3.x client whose will it may not publish and drops the will when due; MQTT 5 can say no.
      if (this.v5 && !willPermitted(b.acl, { username: this.username, clientId }, this.will.message)) {
        return this.refuse(ReasonCode.NotAuthorized, `not authorised to publish the will on "${this.will.message.topic}"`);
      }
      this.will = { ...this.will, username: this.username };
    }
    const prior = b.sessions.get(clientId);
    const foreign = prior !== undefined && !sameOwner(prior.username, this.username);
    if (foreign && (b.options.sessionOwnerMismatch ?? 'start-clean') === 'refuse') {
      return this.refuse(ReasonCode.NotAuthorized, `session "${clientId}" belongs to another user`);
    }
    let keepalive = p.keepalive ?? 0;
    let serverKeepAlive: number | undefined;
    const maxKa = b.limits.maxKeepalive;
    if (maxKa !== undefined && this.v5 && (keepalive === 0 || keepalive > maxKa)) {
      keepalive = maxKa;
      serverKeepAlive = maxKa;
    }
    this.keepalive = keepalive;
    this.sendQuota = Math.min(props.receiveMaximum ?? 65535, b.maxInflight);
    this.clientMaxPacket = props.maximumPacketSize ?? PROTOCOL_MAX_PACKET;
    const expiry = this.v5
      ? (props.sessionExpiryInterval ?? 0)
      : p.clean
        ? 0
        : (b.options.persistentClientExpiration ?? SESSION_NEVER_EXPIRES);
    // Another user's session is never resumed: its queue and subscriptions are not theirs to receive.
    const { session, present } = b.openSession(this, clientId, !!p.clean || foreign, expiry);
    this.session = session;
    session.username = this.username;
    this.state = 'connected';
    this.connectedSince = Date.now();
    const connackProps: Record<string, unknown> = {};
    if (this.v5) {
      if (assigned) connackProps.assignedClientIdentifier = clientId;
      if (serverKeepAlive !== undefined) connackProps.serverKeepAlive = serverKeepAlive;
      connackProps.receiveMaximum = b.maxInflight;
      connackProps.topicAliasMaximum = b.topicAliasMaximum;
      if (b.maxPacketSize < PROTOCOL_MAX_PACKET) connackProps.maximumPacketSize = b.maxPacketSize;
      if (b.maximumQos < 2) connackProps.maximumQoS = b.maximumQos;
      if (!b.retainAvailable) connackProps.retainAvailable = false;
      connackProps.wildcardSubscriptionAvailable = true;
      connackProps.subscriptionIdentifiersAvailable = true;
      connackProps.sharedSubscriptionAvailable = true;
    }
    this.writePacket(
      this.v5
        ? { cmd: 'connack', sessionPresent: present, reasonCode: 0, properties: connackProps }
        : { cmd: 'connack', sessionPresent: present, returnCode: 0 },
    );
    b.connectionReady(this);
    const readable = stillReadable(b.acl, { username: this.username, clientId });
    if (readable) for (const out of session.discardUnless(readable)) b.countDrop(clientId, out.message.topic, 'not authorised to receive');
    session.resume(this);
  }

  private handlePublish(
    topicIn: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    packetId: number,
    props: import('./codec').InboundPublishProperties | undefined,
  ): void {
    const b = this.broker;
    const session = this.session!;
    b.stats.publishReceived++;
    let topic = topicIn;
    if (props?.topicAlias !== undefined) {
      const alias = props.topicAlias;
      if (alias === 0 || alias > b.topicAliasMaximum) return this.fail(ReasonCode.TopicAliasInvalid, `topic alias ${alias} is outside 1..${b.topicAliasMaximum}`);
      if (topic.length > 0) this.topicAliases.set(alias, topic);
      else {
        const known = this.topicAliases.get(alias);
        if (known === undefined) return this.fail(ReasonCode.ProtocolError, `topic alias ${alias} has no topic yet`);
        topic = known;
      }
    }
    if (!isValidTopicName(topic)) {
      return this.fail(topic.length === 0 ? ReasonCode.ProtocolError : ReasonCode.TopicNameInvalid, `invalid topic name "${topic}"`);
    }
    if (qos > b.maximumQos) return this.fail(ReasonCode.QosNotSupported, `QoS ${qos} above the maximum ${b.maximumQos}`);
    if (retain && !b.retainAvailable) return this.fail(ReasonCode.RetainNotSupported, 'retain is not available');
    if (qos === 2 && session.inboundQos2.has(packetId)) {
      // A retransmission of a message we already delivered: acknowledge, never deliver twice.
      this.write(encodeAck(5, packetId, 0, this.v5));
      return;
    }
    if (qos === 2 && session.inboundQos2.size >= b.maxInflight) {
      return this.fail(ReasonCode.ReceiveMaximumExceeded, `more than ${b.maxInflight} QoS 2 messages unacknowledged`);
    }
    if (!this.allowRate()) {
      b.countDrop(this.clientId, topic, 'message rate limit exceeded');
      return this.ack(qos, packetId, ReasonCode.QuotaExceeded);
    }
    if (this.v5 && props?.payloadFormatIndicator === 1 && !isUtf8(payload)) {
      if (qos === 0) return this.fail(ReasonCode.PayloadFormatInvalid, 'payload is not the UTF-8 its format indicator promises');
      return this.ack(qos, packetId, ReasonCode.PayloadFormatInvalid);
    }
    if (b.acl.enabled && !b.acl.canPublish({ username: this.username, clientId: this.clientId }, topic)) {
      b.countDrop(this.clientId, topic, 'not authorised to publish');
      // v3 has no way to say no: like mosquitto, acknowledge and drop.
      return this.ack(qos, packetId, ReasonCode.NotAuthorized);
    }
    const message = createMessage(
      topic,
      payload,
      qos,
      retain,
      props && hasForwarded(props) ? props : undefined,
      props?.messageExpiryInterval,
      this.clientId,
      props?.messageExpiryInterval === undefined ? 0 : Date.now(),
    );
    const delivered = b.route(message);
    if (qos === 2) session.inboundQos2.add(packetId);
    if (qos > 0) this.ack(qos, packetId, delivered === 0 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success);
  }

  private ack(qos: QoS, packetId: number, reasonCode: number): void {
    if (qos === 0) return;
    this.write(encodeAck(qos === 1 ? 4 : 5, packetId, reasonCode, this.v5));
  }

  private allowRate(): boolean {
    const max = this.broker.limits.maxMessageRate;
    if (max === undefined) return true;
    const now = this.broker.clock;
    if (now - this.rateWindowStart >= 1000) {
      this.rateWindowStart = now;
      this.rateCount = 0;
    }
    return ++this.rateCount <= max;
  }

  private handlePubrec(packetId: number, reasonCode: number): void {
    const r = this.session!.received(packetId, reasonCode);
    if (r === 'release') this.sendPubrel(packetId);
    else if (r === 'unknown' && reasonCode < 0x80) this.write(encodeAck(6, packetId, ReasonCode.PacketIdentifierNotFound, this.v5));
  }

  private handlePubrel(packetId: number): void {
    const known = this.session!.inboundQos2.delete(packetId);
    this.write(encodeAck(7, packetId, known ? 0 : ReasonCode.PacketIdentifierNotFound, this.v5));
  }

  private handleSubscribe(p: ISubscribePacket): void {
    const b = this.broker;
    const session = this.session!;
    const subId = (p.properties as { subscriptionIdentifier?: number } | undefined)?.subscriptionIdentifier;
    if (subId === 0) return this.fail(ReasonCode.ProtocolError, 'subscription identifier 0');
    const granted: number[] = [];
    const retainedToSend: { filter: string; qos: QoS }[] = [];
    for (const s of p.subscriptions) {
      const filter = s.topic;
      const shared = parseSharedFilter(filter);
      const matchFilter = shared ? shared.filter : filter;
      if (shared === null || !isValidTopicFilter(matchFilter)) {
        granted.push(this.v5 ? ReasonCode.TopicFilterInvalid : 0x80);
        continue;
      }
      if (shared && s.nl) return this.fail(ReasonCode.ProtocolError, 'No Local on a shared subscription');
      if (b.acl.enabled && !b.acl.canSubscribe({ username: this.username, clientId: this.clientId }, matchFilter)) {
        granted.push(this.v5 ? ReasonCode.NotAuthorized : 0x80);
        continue;
      }
      const qos = Math.min(s.qos, b.maximumQos) as QoS;
      const existing = session.subscriptions.get(filter);
      if (existing) b.index.remove(existing);
      const sub = createSubscription(this.clientId, filter, matchFilter, shared?.group, {
        qos,
        noLocal: this.v5 ? !!s.nl : false,
        retainAsPublished: this.v5 ? !!s.rap : false,
        retainHandling: (this.v5 ? (s.rh ?? 0) : 0) as 0 | 1 | 2,
        subscriptionId: subId,
      });
      session.subscriptions.set(filter, sub);
      b.index.add(sub);
      granted.push(qos);
      if (!shared && b.retainAvailable && (sub.retainHandling === 0 || (sub.retainHandling === 1 && !existing))) {
        retainedToSend.push({ filter: matchFilter, qos });
      }
    }
    this.writePacket({ cmd: 'suback', messageId: p.messageId, granted, ...(this.v5 ? { properties: {} } : {}) });
    b.markDirty();
    if (retainedToSend.length === 0) return;
    const now = Date.now();
    for (const r of retainedToSend) {
      for (const m of b.retained.match(r.filter, now)) {
        if (b.acl.enabled && !b.acl.canReceive({ username: this.username, clientId: this.clientId }, m.topic)) continue;
        session.deliver(m, Math.min(m.qos, r.qos) as QoS, true, subId === undefined ? undefined : [subId], b.maxQueued);
      }
    }
  }

  private handleUnsubscribe(p: IUnsubscribePacket): void {
    const b = this.broker;
    const session = this.session!;
    const codes: number[] = [];
    for (const filter of p.unsubscriptions) {
      const sub = session.subscriptions.get(filter);
      if (sub) {
        session.subscriptions.delete(filter);
        b.index.remove(sub);
        codes.push(ReasonCode.Success);
      } else {
        const shared = parseSharedFilter(filter);
        codes.push(shared === null || !isValidTopicFilter(shared ? shared.filter : filter) ? ReasonCode.TopicFilterInvalid : ReasonCode.NoSubscriptionExisted);
      }
    }
    b.markDirty();
    this.writePacket(
      this.v5 ? { cmd: 'unsuback', messageId: p.messageId, granted: codes, properties: {} } : { cmd: 'unsuback', messageId: p.messageId },
    );
  }

  private handleDisconnect(p: IDisconnectPacket): void {
    const session = this.session!;
    const newExpiry = p.properties?.sessionExpiryInterval;
    if (newExpiry !== undefined) {
      if (session.expiryInterval === 0 && newExpiry !== 0) {
        return this.fail(ReasonCode.ProtocolError, 'session expiry changed from 0 at DISCONNECT');
      }
      session.expiryInterval = newExpiry;
    }
    const code = p.reasonCode ?? 0;
    this.graceful = code !== ReasonCode.DisconnectWithWill;
    this.closeReason = code === 0 ? 'client disconnected' : `client disconnected: ${describeReason(code)}`;
    this.closeReasonCode = code;
    this.closeNow();
  }

  // ---- outbound -----------------------------------------------------------

  sendPublish(out: Outgoing, dup: boolean): boolean {
    const msg = out.message;
    let expiry: number | undefined;
    if (msg.expiresAt !== undefined) {
      const left = msg.expiresAt - Date.now();
      if (left <= 0) return false;
      expiry = Math.ceil(left / 1000);
    }
    const buf = encodePublish(msg, out.qos, out.retain, dup, out.packetId, this.v5, this.v5 ? expiry : undefined, this.v5 ? out.subIds : undefined);
    if (buf.length > this.clientMaxPacket) {
      this.broker.countDrop(this.clientId, msg.topic, 'larger than the client maximum packet size');
      return false;
    }
    this.broker.stats.publishSent++;
    this.write(buf);
    return true;
  }

  sendQos0(msg: Message, retain: boolean, subIds: readonly number[] | undefined): boolean {
    if (this.state !== 'connected') return false;
    const backlog = this.backlog();
    if (backlog > CONGESTED_BYTES) {
      if (this.stalled || backlog > SLOW_CONSUMER_BYTES) {
        this.broker.countDrop(this.clientId, msg.topic, 'client is not reading fast enough');
        return false;
      }
      this.broker.throttleSource(this);
    } else if (this.stalled) this.stalled = false;
    let buf: Buffer;
    if (msg.expiresAt === undefined && (subIds === undefined || !this.v5)) {
      const cache = (msg.encodedCache ??= []);
      const slot = (this.v5 ? 2 : 0) + (retain ? 1 : 0);
      buf = cache[slot] ??= encodePublish(msg, 0, retain, false, 0, this.v5, undefined, undefined);
    } else {
      let expiry: number | undefined;
      if (msg.expiresAt !== undefined) {
        const left = msg.expiresAt - Date.now();
        if (left <= 0) return false;
        expiry = Math.ceil(left / 1000);
      }
      buf = encodePublish(msg, 0, retain, false, 0, this.v5, this.v5 ? expiry : undefined, this.v5 ? subIds : undefined);
    }
    if (buf.length > this.clientMaxPacket) {
      this.broker.countDrop(this.clientId, msg.topic, 'larger than the client maximum packet size');
      return false;
    }
    this.broker.stats.publishSent++;
    this.write(buf);
    return true;
  }

  sendPubrel(packetId: number): void {
    this.write(encodeAck(6, packetId, 0, this.v5));
  }

  private writePacket(packet: Record<string, unknown>): void {
    this.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: this.version }));
  }

  write(buf: Buffer): void {
    if (this.state === 'closed') return;
    this.out.push(buf);
    this.outBytes += buf.length;
    this.broker.stats.messagesSent++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.broker.queueFlush(this);
    }
  }

  flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0) return;
    const chunks = this.out;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    this.broker.stats.bytesSent += bytes;
    this.transport.write(chunks, bytes);
  }

  private backlog(): number {
    return this.outBytes + this.transport.bufferedBytes();
  }

  /** Pauses a publisher until this (congested) connection's backlog shrinks below the resume mark. */
  holdUntilDrained(source: Connection): void {
    source.pauseReading();
    this.throttled.push(source);
    if (this.backlogTimer) return;
    this.lastBacklog = this.backlog();
    this.lastProgressAt = Date.now();
    this.backlogTimer = setInterval(() => this.watchBacklog(), BACKLOG_POLL_MS);
    this.backlogTimer.unref();
  }

  private watchBacklog(): void {
    const backlog = this.backlog();
    const now = Date.now();
    if (this.closed || backlog < RESUME_BYTES) return this.releaseThrottled();
    // Publishers feeding us are paused, so a shrinking backlog means the client is reading.
    if (backlog < this.lastBacklog) this.lastProgressAt = now;
    this.lastBacklog = backlog;
    if (now - this.lastProgressAt > STALL_MS) {
      this.stalled = true;
      this.releaseThrottled();
    }
  }

  releaseThrottled(): void {
    if (this.backlogTimer) clearInterval(this.backlogTimer);
    this.backlogTimer = undefined;
    const list = this.throttled;
    if (list.length === 0) return;
    this.throttled = [];
    for (const c of list) c.resumeReading();
  }

  pauseReading(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    this.transport.pause();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.closed) this.transport.resume();
  }

  // ---- closing ------------------------------------------------------------

  /** Refuses a CONNECT with a CONNACK carrying `reason`, then closes. */
  private refuse(reason: number, message: string): void {
    this.closeReason = `connection refused: ${message}`;
    this.closeReasonCode = reason;
    this.graceful = true;
    if (this.v5) this.writePacket({ cmd: 'connack', sessionPresent: false, reasonCode: reason });
    else this.writePacket({ cmd: 'connack', sessionPresent: false, returnCode: connackCodeForV3(reason) });
    this.closeNow();
  }

  /** Ends the connection for a protocol violation, telling a v5 client why when it is connected. */
  fail(reason: number, message: string): void {
    if (this.state === 'closed') return;
    this.broker.emit({ type: 'protocol.error', at: Date.now(), clientId: this.clientId || undefined, remoteAddress: this.remoteAddress, message });
    this.disconnect(reason, message);
  }

  /** Server-initiated close: DISCONNECT with a reason code to v5 clients, then the socket ends. */
  disconnect(reason: number, message: string): void {
    if (this.state === 'closed') return;
    this.closeReason = message;
    this.closeReasonCode = reason;
    if (this.state === 'connected' && this.v5) this.writePacket({ cmd: 'disconnect', reasonCode: reason });
    this.closeNow();
  }

  /** Flushes what is pending and closes; session bookkeeping happens synchronously. */
  closeNow(): void {
    if (this.state === 'closed') return;
    this.flush();
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.transport.end();
    this.releaseThrottled();
    this.broker.connectionClosed(this, wasConnected);
  }

  private onTransportClosed(): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.out = [];
    this.releaseThrottled();
    this.broker.connectionClosed(this, wasConnected);
  }
}

function hasForwarded(p: import('./codec').InboundPublishProperties): boolean {
  return (
    p.payloadFormatIndicator !== undefined ||
    p.contentType !== undefined ||
    p.responseTopic !== undefined ||
    p.correlationData !== undefined ||
    p.userProperties !== undefined
  );
}
