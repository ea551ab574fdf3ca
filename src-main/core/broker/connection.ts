import mqttPacket from 'mqtt-packet';
import type { IAuthPacket, IConnectPacket, IDisconnectPacket, ISubscribePacket, IUnsubscribePacket, Packet } from 'mqtt-packet';
import { DecodeError, decodePublish, readFrameHeader } from './codec';
import { stillReadable } from './access-guard';
import type { AuthResult, EnhancedAuthExchange, EnhancedAuthStep } from './authenticator';
import { PRE_CONNECT_MAX_PACKET, retainable } from './connect-guard';
import { PROTOCOL_MAX_PACKET, connackProperties, inspectConnectHeader, readConnect, settleConnect, type ReadConnect } from './connect-handshake';
import type { ClientConnection, ConnectionHost, ConnectionSettings, Flushable } from './connection-host';
import { FlowControl } from './flow-control';
import type { Message } from './message';
import { PublishFlow, type PublishPeer } from './publish-flow';
import { CONNACK_REASONS, ReasonCode, connackCodeForV3, describeReason } from '../../../shared/mqtt/reason-codes';
import { responseInformationFor } from './response-information';
import type { Outgoing, PendingWill, Session, SessionLink } from './session';
import { createSubscription } from './subscription-index';
import { isValidTopicFilter, parseSharedFilter } from './topic';
import type { Transport } from './transport';
import type { ProtocolVersion, QoS } from './types';

const PINGRESP = Buffer.from([0xd0, 0x00]);
const EMPTY = Buffer.alloc(0);

/**
 * 'authenticating': CONNECT read, its password being checked off the event loop; input waits meanwhile.
 * 'auth-exchange': CONNECT named an Authentication Method; AUTH packets go back and forth until CONNACK.
 */
type State = 'awaiting-connect' | 'authenticating' | 'auth-exchange' | 'connected' | 'closed';

/**
 * One client connection: frames bytes, dispatches packets and links to a session. The CONNECT
 * handshake, the publish flow and flow control live in their own modules; the broker is reached
 * only through `ConnectionHost`.
 */
export class Connection implements SessionLink, ClientConnection, PublishPeer, Flushable {
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
  clientMaxPacket = PROTOCOL_MAX_PACKET;
  readonly flow: FlowControl;
  private readonly publishes: PublishFlow;
  private pending: Buffer | undefined;
  private pendingChunks: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes still missing from the packet started in `pending` (0 while its header is incomplete). */
  private pendingNeed = 0;
  /** `pending` holds whole packets not yet handled because reading was paused. */
  private heldWhilePaused = false;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private parsed: Packet | undefined;
  private parseError: Error | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  flushQueued = false;
  /** The will from CONNECT; cleared by a normal DISCONNECT. */
  will: PendingWill | undefined;
  /** Set when the client ended the connection with DISCONNECT (no will). */
  graceful = false;
  closeReason = 'connection closed';
  closeReasonCode: number | undefined;
  /** The Authentication Method of CONNECT: every AUTH must name it, and re-authentication uses it. */
  authMethod: string | undefined;
  /** The enhanced authentication exchange in progress (at CONNECT, or a re-authentication). */
  private exchange: EnhancedAuthExchange | undefined;
  /** The CONNECT waiting for its enhanced authentication to finish. */
  private held: { readonly p: IConnectPacket; readonly read: ReadConnect } | undefined;

  constructor(
    private readonly host: ConnectionHost,
    readonly transport: Transport,
  ) {
    this.lastActivity = host.clock;
    this.flow = new FlowControl(transport, () => this.outBytes, () => this.session, host.settings.queueResume, () => this.readHeld());
    this.publishes = new PublishFlow(this, host);
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

  /** The last few distinct topics this client published to, oldest first. */
  publishedTopics(): string[] {
    return this.publishes.recentTopics();
  }

  /** Reading resumed: handle the packets left over from the chunk that was being read when we paused. */
  private readHeld(): void {
    if (!this.heldWhilePaused || this.closed || this.flow.paused) return;
    this.heldWhilePaused = false;
    this.onData(EMPTY);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.host.beginHandling();
    try {
      this.readChunk(chunk);
    } finally {
      this.host.endHandling();
    }
  }

  private readChunk(chunk: Buffer): void {
    this.lastActivity = Date.now();
    this.host.traffic.bytesReceived += chunk.length;
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
    const limit = this.state === 'connected' ? this.host.settings.maxPacketSize : Math.min(PRE_CONNECT_MAX_PACKET, this.host.settings.maxPacketSize);
    // Stop at the packet that paused us: the rest waits until a congested subscriber catches up.
    while (off < buf.length && !this.closed && !this.flow.paused && this.state !== 'authenticating') {
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
      if (this.flow.paused && this.pendingNeed === 0) this.heldWhilePaused = true;
      // Copy small leftovers so one partial packet does not pin a large socket chunk.
      this.pending = buf.length < 4096 ? Buffer.from(buf) : buf;
    }
  }

  private handleFrame(frame: Buffer, headerLength: number): void {
    const type = frame[0]! >> 4;
    this.host.traffic.messagesReceived++;
    if (type === 3) {
      if (this.state !== 'connected') return this.fail(ReasonCode.ProtocolError, 'PUBLISH before CONNECT');
      let pub;
      try {
        pub = decodePublish(frame, headerLength, this.v5);
      } catch (e) {
        if (e instanceof DecodeError) return this.fail(e.reasonCode, e.message);
        throw e;
      }
      this.publishes.receive(pub);
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
      if (type === 4) this.publishes.puback(packetId);
      else if (type === 5) this.publishes.pubrec(packetId, reasonCode);
      else if (type === 6) this.publishes.pubrel(packetId);
      else this.publishes.pubcomp(packetId);
      return;
    }
    if (type === 12) {
      if (frame.length !== 2 || frame[0] !== 0xc0) return this.fail(ReasonCode.MalformedPacket, 'malformed PINGREQ');
      if (this.state !== 'connected') return this.fail(ReasonCode.ProtocolError, 'PINGREQ before CONNECT');
      this.write(PINGRESP);
      return;
    }
    if (this.state === 'awaiting-connect' && type === 1) {
      const problem = inspectConnectHeader(frame, headerLength, this.host.settings.protocolVersions);
      if (problem?.kind === 'malformed') return this.fail(ReasonCode.ProtocolError, problem.message);
      if (problem?.kind === 'unsupported') {
        this.version = problem.version;
        this.v5 = problem.version === 5;
        return this.refuse(ReasonCode.UnsupportedProtocolVersion, problem.message);
      }
    }
    const p = this.parseFrame(frame);
    if (p instanceof Error) return this.fail(ReasonCode.MalformedPacket, p.message);
    if (this.state === 'awaiting-connect') {
      if (p.cmd !== 'connect') return this.fail(ReasonCode.ProtocolError, `${p.cmd.toUpperCase()} before CONNECT`);
      this.handleConnect(p);
      return;
    }
    if (this.state === 'auth-exchange') {
      if (p.cmd === 'auth') return this.continueConnectAuth(p);
      if (p.cmd === 'disconnect') {
        this.graceful = true;
        this.closeReason = 'client disconnected during authentication';
        return this.closeNow();
      }
      // [MQTT-3.1.2-30] Only AUTH or DISCONNECT until CONNACK.
      return this.fail(ReasonCode.ProtocolError, `${p.cmd.toUpperCase()} during enhanced authentication`);
    }
    switch (p.cmd) {
      case 'connect':
        return this.fail(ReasonCode.ProtocolError, 'second CONNECT on one connection');
      case 'puback':
        return this.publishes.puback(p.messageId ?? 0);
      case 'pubrec':
        return this.publishes.pubrec(p.messageId ?? 0, p.reasonCode ?? 0);
      case 'pubrel':
        return this.publishes.pubrel(p.messageId ?? 0);
      case 'pubcomp':
        return this.publishes.pubcomp(p.messageId ?? 0);
      case 'subscribe':
        return this.handleSubscribe(p);
      case 'unsubscribe':
        return this.handleUnsubscribe(p);
      case 'disconnect':
        return this.handleDisconnect(p);
      case 'auth':
        return this.handleReauth(p);
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

  private handleConnect(p: IConnectPacket): void {
    const host = this.host;
    this.version = (p.protocolVersion ?? 4) as ProtocolVersion;
    this.v5 = this.version === 5;
    (this.parser as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = this.version;
    const moved = host.movedTo();
    if (moved) return this.refuse(moved.reasonCode, `clients are referred to ${moved.serverReference}`, { serverReference: moved.serverReference });
    const read = readConnect(p, this.v5, host, this, this.transport.certificateUsername);
    this.clientId = read.clientId;
    if (read.ok !== 'authenticate') {
      if (read.authFailed) {
        host.emit({ type: 'auth.failed', at: Date.now(), clientId: read.clientId, remoteAddress: this.remoteAddress, username: p.username, reasonCode: read.reasonCode });
      }
      return this.refuse(read.reasonCode, read.message);
    }
    if (read.enhanced) {
      this.authMethod = read.enhanced.method;
      this.exchange = read.enhanced;
      this.held = { p, read };
      return this.connectAuthStep(read.enhanced.step(p.properties?.authenticationData));
    }
    const auth = host.authenticate(read.credentials);
    if (auth instanceof Promise) return this.awaitAuthentication(auth, p, read);
    this.completeConnect(p, read, auth);
  }

  // ---- enhanced authentication (MQTT 5 section 4.12) -----------------------

  private authProperties(data: Buffer | undefined): Record<string, unknown> {
    return { authenticationMethod: this.authMethod, ...(data ? { authenticationData: data } : {}) };
  }

  private continueConnectAuth(p: IAuthPacket): void {
    // [MQTT-4.12.0-3] The client answers with 0x18; [MQTT-4.12.0-5] under the method of CONNECT.
    if (p.reasonCode !== ReasonCode.ContinueAuthentication) {
      return this.fail(ReasonCode.ProtocolError, `AUTH reason 0x${(p.reasonCode ?? 0).toString(16)} during CONNECT (only 0x18 continues)`);
    }
    if (p.properties?.authenticationMethod !== this.authMethod) return this.fail(ReasonCode.ProtocolError, 'AUTH names another authentication method than CONNECT');
    this.connectAuthStep(this.exchange!.step(p.properties?.authenticationData));
  }

  private connectAuthStep(step: EnhancedAuthStep): void {
    const held = this.held!;
    if (step.kind === 'continue') {
      // [MQTT-4.12.0-2] More is needed: AUTH 0x18.
      this.state = 'auth-exchange';
      this.writePacket({ cmd: 'auth', reasonCode: ReasonCode.ContinueAuthentication, properties: this.authProperties(step.data) });
      return;
    }
    this.exchange = undefined;
    this.held = undefined;
    this.state = 'awaiting-connect';
    if (step.kind === 'failure') {
      this.host.emit({ type: 'auth.failed', at: Date.now(), clientId: this.clientId, remoteAddress: this.remoteAddress, username: step.username ?? held.p.username, reasonCode: step.reasonCode });
      // [MQTT-4.12.0-4] Refused with a CONNACK of 0x80 or above, and closed.
      return this.refuse(step.reasonCode, step.message, this.authProperties(step.data));
    }
    if (held.p.username !== undefined && held.p.username !== step.username) {
      this.host.emit({ type: 'auth.failed', at: Date.now(), clientId: this.clientId, remoteAddress: this.remoteAddress, username: held.p.username, reasonCode: ReasonCode.NotAuthorized });
      return this.refuse(ReasonCode.NotAuthorized, `the CONNECT user name "${held.p.username}" is not the authenticated "${step.username}"`);
    }
    this.completeConnect(held.p, held.read, { ok: true, username: step.username }, this.authProperties(step.data));
  }

  /** AUTH on a live connection: a re-authentication (0x19, then 0x18 steps), which must prove the same user. */
  private handleReauth(p: IAuthPacket): void {
    // [MQTT-4.12.0-7] No method at CONNECT, no AUTH.
    if (this.authMethod === undefined) return this.fail(ReasonCode.ProtocolError, 'AUTH without an authentication method');
    // [MQTT-4.12.1-1] Re-authentication uses the method of CONNECT.
    if (p.properties?.authenticationMethod !== this.authMethod) return this.fail(ReasonCode.ProtocolError, 'AUTH names another authentication method than CONNECT');
    if (p.reasonCode === ReasonCode.ReAuthenticate) {
      if (this.exchange) return this.fail(ReasonCode.ProtocolError, 'AUTH 0x19 while a re-authentication is in progress');
      this.exchange = this.host.startEnhancedAuth(this.authMethod);
      if (!this.exchange) return this.disconnect(ReasonCode.BadAuthenticationMethod, `authentication method "${this.authMethod}" is no longer offered`);
    } else if (p.reasonCode === ReasonCode.ContinueAuthentication) {
      if (!this.exchange) return this.fail(ReasonCode.ProtocolError, 'AUTH 0x18 without a re-authentication in progress');
    } else {
      return this.fail(ReasonCode.ProtocolError, `AUTH reason 0x${(p.reasonCode ?? 0).toString(16)} from a client`);
    }
    const step = this.exchange.step(p.properties?.authenticationData);
    if (step.kind === 'continue') {
      this.writePacket({ cmd: 'auth', reasonCode: ReasonCode.ContinueAuthentication, properties: this.authProperties(step.data) });
      return;
    }
    this.exchange = undefined;
    if (step.kind === 'success' && step.username === this.username) {
      this.writePacket({ cmd: 'auth', reasonCode: ReasonCode.Success, properties: this.authProperties(step.data) });
      return;
    }
    const reasonCode = step.kind === 'failure' ? step.reasonCode : ReasonCode.NotAuthorized;
    this.host.emit({ type: 'auth.failed', at: Date.now(), clientId: this.clientId, remoteAddress: this.remoteAddress, username: step.username ?? this.username, reasonCode });
    // [MQTT-4.12.1-2] A failed re-authentication: DISCONNECT with the reason, and close.
    this.disconnect(reasonCode, step.kind === 'failure' ? `re-authentication failed: ${step.message}` : `re-authenticated as "${step.username}", not "${this.username ?? ''}"`);
  }

  /** The password is being checked on the thread pool: stop reading (what arrived stays pending) until it answers. */
  private awaitAuthentication(pending: Promise<AuthResult>, p: IConnectPacket, read: ReadConnect): void {
    this.state = 'authenticating';
    this.transport.pause();
    void pending.then((auth) => {
      if (this.state !== 'authenticating') return; // closed meanwhile
      this.state = 'awaiting-connect';
      this.host.beginHandling();
      try {
        this.completeConnect(p, read, auth);
        if (this.closed) return;
        this.transport.resume();
        // Packets sent right behind CONNECT were kept in `pending`.
        this.readChunk(EMPTY);
      } catch (e) {
        this.fail(ReasonCode.ImplementationSpecificError, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.host.endHandling();
      }
    });
  }

  private completeConnect(p: IConnectPacket, read: ReadConnect, auth: AuthResult, authProperties?: Record<string, unknown>): void {
    const host = this.host;
    const result = settleConnect(p, this.v5, host, read, auth);
    if (!result.ok) {
      if (result.authFailed) {
        host.emit({ type: 'auth.failed', at: Date.now(), clientId: result.clientId, remoteAddress: this.remoteAddress, username: p.username, reasonCode: result.reasonCode });
      }
      return this.refuse(result.reasonCode, result.message);
    }
    this.will = result.will;
    this.username = result.username;
    this.keepalive = result.keepalive;
    this.sendQuota = result.sendQuota;
    this.clientMaxPacket = result.clientMaxPacket;
    if (this.v5 && host.settings.sendTopicAliases) this.publishes.useTopicAliases(p.properties?.topicAliasMaximum ?? 0);
    const { session, present } = host.openSession(this, result.clientId, !!p.clean || result.foreignSession, result.sessionExpiry);
    this.session = session;
    session.username = this.username;
    this.state = 'connected';
    this.connectedSince = Date.now();
    this.writePacket(
      this.v5
        ? { cmd: 'connack', sessionPresent: present, reasonCode: 0, properties: { ...connackProperties(result, host.settings), ...responseProperties(p, result.clientId, host.settings), ...authProperties } }
        : { cmd: 'connack', sessionPresent: present, returnCode: 0 },
    );
    host.connectionReady(this);
    // Rules may have changed while the session was offline: what it holds must pass them now.
    for (const out of session.discardUnless(stillReadable((who, topic) => host.mayReceive(who, topic), this))) {
      host.countDrop(this.clientId, out.message.topic, 'not authorised to receive');
    }
    session.resume(this);
  }

  private handleSubscribe(p: ISubscribePacket): void {
    const host = this.host;
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
      if (!host.maySubscribe(this, matchFilter)) {
        granted.push(this.v5 ? ReasonCode.NotAuthorized : 0x80);
        continue;
      }
      const qos = Math.min(s.qos, host.settings.maximumQos) as QoS;
      const existing = session.subscriptions.get(filter);
      if (existing) host.removeSubscription(existing);
      const sub = createSubscription(this.clientId, filter, matchFilter, shared?.group, {
        qos,
        noLocal: this.v5 ? !!s.nl : false,
        retainAsPublished: this.v5 ? !!s.rap : false,
        retainHandling: (this.v5 ? (s.rh ?? 0) : 0) as 0 | 1 | 2,
        subscriptionId: subId,
      });
      session.subscriptions.set(filter, sub);
      host.addSubscription(sub);
      granted.push(qos);
      if (!shared && host.settings.retainAvailable && (sub.retainHandling === 0 || (sub.retainHandling === 1 && !existing))) {
        retainedToSend.push({ filter: matchFilter, qos });
      }
    }
    this.writePacket({ cmd: 'suback', messageId: p.messageId, granted, ...(this.v5 ? { properties: {} } : {}) });
    host.markDirty();
    if (retainedToSend.length === 0) return;
    const now = Date.now();
    const subIds = subId === undefined ? undefined : [subId];
    this.publishes.sendRetained(() => {
      for (const r of retainedToSend) {
        for (const m of host.retainedMatching(r.filter, now)) {
          if (!host.mayReceive(this, m.topic)) continue;
          if (!session.deliver(m, Math.min(m.qos, r.qos) as QoS, true, subIds, host.settings.queueLimit) && m.qos > 0 && r.qos > 0) {
            host.countDrop(this.clientId, m.topic, 'queue full');
          }
        }
      }
    });
  }

  private handleUnsubscribe(p: IUnsubscribePacket): void {
    const host = this.host;
    const session = this.session!;
    const codes: number[] = [];
    for (const filter of p.unsubscriptions) {
      const sub = session.subscriptions.get(filter);
      if (sub) {
        session.subscriptions.delete(filter);
        host.removeSubscription(sub);
        codes.push(ReasonCode.Success);
      } else {
        const shared = parseSharedFilter(filter);
        codes.push(shared === null || !isValidTopicFilter(shared ? shared.filter : filter) ? ReasonCode.TopicFilterInvalid : ReasonCode.NoSubscriptionExisted);
      }
    }
    host.markDirty();
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

  // ---- outbound (SessionLink) ----------------------------------------------

  sendPublish(out: Outgoing, dup: boolean): boolean {
    return this.publishes.sendPublish(out, dup);
  }

  sendQos0(msg: Message, retain: boolean, subIds: readonly number[] | undefined): boolean {
    if (this.state !== 'connected') return false;
    return this.publishes.sendQos0(msg, retain, subIds);
  }

  sendPubrel(packetId: number): void {
    this.publishes.sendPubrel(packetId);
  }

  private writePacket(packet: Record<string, unknown>): void {
    this.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: this.version }));
  }

  write(buf: Buffer): void {
    if (this.state === 'closed') return;
    this.out.push(buf);
    this.outBytes += buf.length;
    this.host.traffic.messagesSent++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.host.queueFlush(this);
    }
  }

  flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0) return;
    const chunks = this.out;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    this.host.traffic.bytesSent += bytes;
    // Acknowledgements leave only once what they acknowledge is stored.
    this.host.commitJournal();
    this.transport.write(chunks, bytes);
  }

  // ---- closing ------------------------------------------------------------

  /** Refuses a CONNECT with a CONNACK carrying `reason`, then closes. */
  private refuse(reason: number, message: string, properties?: Record<string, unknown>): void {
    this.closeReason = `connection refused: ${message}`;
    this.closeReasonCode = reason;
    this.graceful = true;
    if (this.v5) this.writePacket({ cmd: 'connack', sessionPresent: false, reasonCode: reason, ...(properties ? { properties } : {}) });
    else this.writePacket({ cmd: 'connack', sessionPresent: false, returnCode: connackCodeForV3(reason) });
    this.closeNow();
  }

  /** Ends the connection for a protocol violation, telling a v5 client why when it is connected. */
  fail(reason: number, message: string): void {
    if (this.state === 'closed') return;
    this.host.emit({ type: 'protocol.error', at: Date.now(), clientId: this.clientId || undefined, remoteAddress: this.remoteAddress, message });
    this.disconnect(reason, message);
  }

  /** Server-initiated close: DISCONNECT with a reason code to v5 clients, then the socket ends. */
  disconnect(reason: number, message: string, properties?: Record<string, unknown>): void {
    if (this.state === 'closed') return;
    this.closeReason = message;
    this.closeReasonCode = reason;
    if (this.state === 'connected' && this.v5) this.writePacket({ cmd: 'disconnect', reasonCode: reason, ...(properties ? { properties } : {}) });
    // Still before CONNACK (an enhanced authentication exchange): the answer is a CONNACK, when the code is one.
    else if (this.state === 'auth-exchange' && CONNACK_REASONS.has(reason)) this.writePacket({ cmd: 'connack', sessionPresent: false, reasonCode: reason });
    this.closeNow();
  }

  /** Flushes what is pending and closes; session bookkeeping happens synchronously. */
  closeNow(): void {
    if (this.state === 'closed') return;
    this.flush();
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.transport.end();
    this.flow.close();
    this.host.connectionClosed(this, wasConnected);
  }

  private onTransportClosed(): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.out = [];
    this.flow.close();
    this.host.connectionClosed(this, wasConnected);
  }
}

/** Response Information, only for a client that set Request Response Information (MQTT-3.1.2-28). */
function responseProperties(p: IConnectPacket, clientId: string, s: ConnectionSettings): { responseInformation?: string } {
  if (!p.properties?.requestResponseInformation) return {};
  const info = responseInformationFor(s.responseTopicPrefix, clientId);
  return info === undefined ? {} : { responseInformation: info };
}
