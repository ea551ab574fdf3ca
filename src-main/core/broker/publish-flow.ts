import { isUtf8 } from 'node:buffer';
import { encodeAck, encodePublish, type InboundPublish, type InboundPublishProperties, type OutboundAlias } from './codec';
import type { ClientIdentity, ConnectionHost } from './connection-host';
import type { FlowControl } from './flow-control';
import { createMessage, type Message } from './message';
import { OutboundAliases } from './outbound-aliases';
import { ReasonCode } from '../../../shared/mqtt/reason-codes';
import type { Outgoing, Session } from './session';
import { isValidTopicName } from './topic';
import type { QoS } from './types';

const RECENT_TOPICS_KEPT = 16;

/** What the publish flow needs from the connection it runs on. */
export interface PublishPeer extends ClientIdentity {
  readonly v5: boolean;
  readonly session: Session | undefined;
  readonly flow: FlowControl;
  /** Largest packet the client accepts. */
  readonly clientMaxPacket: number;
  write(buf: Buffer): void;
  /** Ends the connection for a protocol violation. */
  fail(reason: number, message: string): void;
}

/**
 * PUBLISH in both directions for one connection: inbound validation, routing and acknowledgement
 * (with topic aliases, rate limit and QoS 2 de-duplication), and outbound encoding.
 */
export class PublishFlow {
  private readonly topicAliases = new Map<number, string>();
  /** Aliases we give the client for topics we send it; undefined when it accepts none or they are off. */
  private outboundAliases: OutboundAliases | undefined;
  /** True while the retained messages of a new subscription are sent: they take no alias another topic holds. */
  private sendingRetained = false;
  private rateWindowStart = 0;
  private rateCount = 0;
  /**
   * The last few distinct topics this client published to: an access preview checks them against new rules. A ring
   * of RECENT_TOPICS_KEPT, not a Set: under a flood of thousands of topics every message is a new one, and a Set
   * with an add and a delete per message rebuilt its table every few messages.
   */
  private readonly recent: string[] = [];
  private recentNext = 0;

  constructor(
    private readonly peer: PublishPeer,
    private readonly host: ConnectionHost,
  ) {}

  // ---- inbound ------------------------------------------------------------

  private remember(topic: string): void {
    // A new topic takes the oldest one's place.
    if (this.recent.includes(topic)) return;
    this.recent[this.recentNext] = topic;
    this.recentNext = (this.recentNext + 1) % RECENT_TOPICS_KEPT;
  }

  /** The last few distinct topics this client published to, oldest first. */
  recentTopics(): string[] {
    return [...this.recent.slice(this.recentNext), ...this.recent.slice(0, this.recentNext)];
  }

  /** A PUBLISH from the client. */
  receive(pub: InboundPublish): void {
    const { peer, host } = this;
    const s = host.settings;
    const session = peer.session!;
    const { qos, retain, packetId, payload } = pub;
    const props = pub.properties;
    host.traffic.publishReceived++;
    host.traffic.publishBytesReceived += payload.length;
    let topic = pub.topic;
    if (props?.topicAlias !== undefined) {
      const alias = props.topicAlias;
      if (alias === 0 || alias > s.topicAliasMaximum) return peer.fail(ReasonCode.TopicAliasInvalid, `topic alias ${alias} is outside 1..${s.topicAliasMaximum}`);
      if (topic.length > 0) this.topicAliases.set(alias, topic);
      else {
        const known = this.topicAliases.get(alias);
        if (known === undefined) return peer.fail(ReasonCode.ProtocolError, `topic alias ${alias} has no topic yet`);
        topic = known;
      }
    }
    if (!isValidTopicName(topic)) {
      return peer.fail(topic.length === 0 ? ReasonCode.ProtocolError : ReasonCode.TopicNameInvalid, `invalid topic name "${topic}"`);
    }
    if (qos > s.maximumQos) return peer.fail(ReasonCode.QosNotSupported, `QoS ${qos} above the maximum ${s.maximumQos}`);
    if (retain && !s.retainAvailable) return peer.fail(ReasonCode.RetainNotSupported, 'retain is not available');
    if (qos === 2 && session.inboundQos2.has(packetId)) {
      // A retransmission of a message we already delivered: acknowledge, never deliver twice.
      peer.write(encodeAck(5, packetId, 0, peer.v5));
      return;
    }
    if (qos === 2 && session.inboundQos2.size >= s.maxInflight) {
      return peer.fail(ReasonCode.ReceiveMaximumExceeded, `more than ${s.maxInflight} QoS 2 messages unacknowledged`);
    }
    if (!this.allowRate()) {
      host.countDrop(peer.clientId, topic, 'message rate limit exceeded');
      return this.ack(qos, packetId, ReasonCode.QuotaExceeded);
    }
    if (peer.v5 && props?.payloadFormatIndicator === 1 && !isUtf8(payload)) {
      if (qos === 0) return peer.fail(ReasonCode.PayloadFormatInvalid, 'payload is not the UTF-8 its format indicator promises');
      return this.ack(qos, packetId, ReasonCode.PayloadFormatInvalid);
    }
    if (!host.mayPublish(peer, topic)) {
      host.countDrop(peer.clientId, topic, 'not authorised to publish');
      // v3 has no way to say no: like mosquitto, acknowledge and drop.
      return this.ack(qos, packetId, ReasonCode.NotAuthorized);
    }
    this.remember(topic);
    const message = createMessage(
      topic,
      payload,
      qos,
      retain,
      props && hasForwarded(props) ? props : undefined,
      props?.messageExpiryInterval,
      peer.clientId,
      props?.messageExpiryInterval === undefined ? 0 : Date.now(),
    );
    const routed = host.routeFrom(peer.flow, message);
    if (qos === 0) return;
    // A message that matched subscribers but fitted in none of their queues went nowhere: say so to v5 publishers.
    const code = routed.delivered > 0 ? ReasonCode.Success : routed.dropped > 0 ? ReasonCode.QuotaExceeded : ReasonCode.NoMatchingSubscribers;
    // After an error code the client ends the QoS 2 flow itself (no PUBREL follows).
    if (qos === 2 && (code < 0x80 || !peer.v5)) session.holdInboundQos2(packetId);
    this.ack(qos, packetId, code);
  }

  private ack(qos: QoS, packetId: number, reasonCode: number): void {
    if (qos === 0) return;
    this.peer.write(encodeAck(qos === 1 ? 4 : 5, packetId, reasonCode, this.peer.v5));
  }

  private allowRate(): boolean {
    const max = this.host.settings.maxMessageRate;
    if (max === undefined) return true;
    const now = this.host.clock;
    if (now - this.rateWindowStart >= 1000) {
      this.rateWindowStart = now;
      this.rateCount = 0;
    }
    return ++this.rateCount <= max;
  }

  /** PUBACK from the client for a QoS 1 message we sent. */
  puback(packetId: number): void {
    this.peer.session?.complete(packetId, 'puback');
    this.peer.flow.acknowledged();
  }

  /** PUBCOMP from the client: the QoS 2 message we sent is done. */
  pubcomp(packetId: number): void {
    this.peer.session?.complete(packetId, 'pubcomp');
    this.peer.flow.acknowledged();
  }

  /** PUBREC from the client for a QoS 2 message we sent. */
  pubrec(packetId: number, reasonCode: number): void {
    const r = this.peer.session!.received(packetId, reasonCode);
    if (r === 'release') this.sendPubrel(packetId);
    else if (r === 'unknown' && reasonCode < 0x80) this.peer.write(encodeAck(6, packetId, ReasonCode.PacketIdentifierNotFound, this.peer.v5));
  }

  /** PUBREL from the client: a QoS 2 message it sent us is released. */
  pubrel(packetId: number): void {
    const known = this.peer.session!.releaseInboundQos2(packetId);
    this.peer.write(encodeAck(7, packetId, known ? 0 : ReasonCode.PacketIdentifierNotFound, this.peer.v5));
  }

  // ---- outbound -----------------------------------------------------------

  /** The client accepts up to `maximum` Topic Aliases from us (its CONNECT's Topic Alias Maximum). */
  useTopicAliases(maximum: number): void {
    this.outboundAliases = maximum > 0 ? new OutboundAliases(Math.min(maximum, 65535)) : undefined;
  }

  /** Runs `send` (which delivers a new subscription's retained messages) as a one-pass send for topic aliases. */
  sendRetained(send: () => void): void {
    this.sendingRetained = true;
    try {
      send();
    } finally {
      this.sendingRetained = false;
    }
  }

  /** Writes a QoS 1/2 PUBLISH; false when it was not sent (expired, or larger than the client accepts). */
  sendPublish(out: Outgoing, dup: boolean): boolean {
    const { peer } = this;
    const msg = out.message;
    let expiry: number | undefined;
    if (msg.expiresAt !== undefined) {
      const left = msg.expiresAt - Date.now();
      if (left <= 0) return false;
      expiry = Math.ceil(left / 1000);
    }
    const alias = this.outboundAliases?.choose(msg.topic, this.sendingRetained);
    const buf = encodePublish(msg, out.qos, out.retain, dup, out.packetId, peer.v5, peer.v5 ? expiry : undefined, peer.v5 ? out.subIds : undefined, alias);
    if (buf.length > peer.clientMaxPacket) {
      this.host.countDrop(peer.clientId, msg.topic, 'larger than the client maximum packet size');
      return false;
    }
    this.outboundAliases?.commit(msg.topic, alias);
    this.host.traffic.publishSent++;
    this.host.traffic.publishBytesSent += msg.payload.length;
    peer.write(buf);
    return true;
  }

  /** Writes a QoS 0 PUBLISH, reusing its encoding across subscribers; false when it was dropped. */
  sendQos0(msg: Message, retain: boolean, subIds: readonly number[] | undefined): boolean {
    const { peer, host } = this;
    const admission = peer.flow.admitQos0();
    if (admission === 'drop') {
      host.countDrop(peer.clientId, msg.topic, 'client is not reading fast enough');
      return false;
    }
    if (admission === 'throttle') host.throttleSource(peer.flow);
    const v5 = peer.v5;
    const alias: OutboundAlias | undefined = this.outboundAliases?.choose(msg.topic, this.sendingRetained);
    let buf: Buffer;
    if (msg.expiresAt === undefined && (subIds === undefined || !v5) && alias === undefined) {
      const cache = (msg.encodedCache ??= []);
      const slot = (v5 ? 2 : 0) + (retain ? 1 : 0);
      buf = cache[slot] ??= encodePublish(msg, 0, retain, false, 0, v5, undefined, undefined);
    } else {
      let expiry: number | undefined;
      if (msg.expiresAt !== undefined) {
        const left = msg.expiresAt - Date.now();
        if (left <= 0) return false;
        expiry = Math.ceil(left / 1000);
      }
      buf = encodePublish(msg, 0, retain, false, 0, v5, v5 ? expiry : undefined, v5 ? subIds : undefined, alias);
    }
    if (buf.length > peer.clientMaxPacket) {
      host.countDrop(peer.clientId, msg.topic, 'larger than the client maximum packet size');
      return false;
    }
    this.outboundAliases?.commit(msg.topic, alias);
    host.traffic.publishSent++;
    host.traffic.publishBytesSent += msg.payload.length;
    peer.write(buf);
    return true;
  }

  sendPubrel(packetId: number): void {
    this.peer.write(encodeAck(6, packetId, 0, this.peer.v5));
  }
}

function hasForwarded(p: InboundPublishProperties): boolean {
  return (
    p.payloadFormatIndicator !== undefined ||
    p.contentType !== undefined ||
    p.responseTopic !== undefined ||
    p.correlationData !== undefined ||
    p.userProperties !== undefined
  );
}
