import type { FlowControl } from './flow-control';
import type { LongTimer } from './long-timer';
import type { Message } from './message';
import type { Subscription } from './subscription-index';
import type { QoS } from './types';

/** A QoS 1/2 message on its way to one client. */
export interface Outgoing {
  readonly message: Message;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subIds: readonly number[] | undefined;
  packetId: number;
  /** 'pubrel' once the client's PUBREC arrived and we await PUBCOMP. */
  state: 'publish' | 'pubrel';
  /** Order within the session (journal records refer to it). */
  seq: number;
}

/** Receives each change to a persistent session's messages: the journal, when the broker keeps one. */
export interface SessionRecorder {
  queued(session: Session, out: Outgoing): void;
  sent(session: Session, out: Outgoing): void;
  released(session: Session, out: Outgoing): void;
  done(session: Session, out: Outgoing): void;
  inboundQos2(session: Session, packetId: number, held: boolean): void;
}

/** What a session needs from the connection currently attached to it. */
export interface SessionLink {
  /** How many QoS 1/2 messages may be in flight to this client. */
  readonly sendQuota: number;
  /** Writes a PUBLISH; false when it was not sent (expired, or larger than the client accepts). */
  sendPublish(out: Outgoing, dup: boolean): boolean;
  sendQos0(message: Message, retain: boolean, subIds: readonly number[] | undefined): boolean;
  sendPubrel(packetId: number): void;
  /** The client's backpressure state, so publishers feeding a slow client can be slowed. */
  readonly flow: FlowControl;
  /** Ends the connection (v5 clients are told the reason), e.g. when another connection takes the session over. */
  disconnect(reasonCode: number, message: string): void;
}

/** How much may wait in one session's queue; beyond it QoS 1/2 messages are dropped and counted. */
export interface QueueLimit {
  readonly messages: number;
  readonly bytes: number;
}

/** A will message waiting for its connection to end (or its delay to pass). */
export interface PendingWill {
  readonly message: Message;
  readonly expiryInterval: number | undefined;
  readonly delay: number;
  /** Who set the will: it is checked against the publish ACL for this user when it is published. */
  readonly username?: string;
  timer?: LongTimer;
}

/** Per-client state that outlives a connection when the session does not expire. */
export class Session {
  link: SessionLink | undefined;
  readonly subscriptions = new Map<string, Subscription>();
  readonly inflight = new Map<number, Outgoing>();
  private queue: Outgoing[] = [];
  private queueHead = 0;
  /** Packet ids of inbound QoS 2 messages delivered but not yet released by PUBREL. */
  readonly inboundQos2 = new Set<number>();
  /** Seconds after disconnect before the session is discarded; 0xFFFFFFFF = never. */
  expiryInterval = 0;
  expiryTimer: LongTimer | undefined;
  will: PendingWill | undefined;
  private nextPacketId = 1;
  username: string | undefined;
  /** Bytes of payload and topic waiting in the queue. */
  queuedBytes = 0;
  /** QoS 1/2 messages dropped because the queue was over its limit (while offline or not reading). */
  dropped = 0;
  /** Messages the client completed (PUBACK / PUBCOMP): a progress mark for flow control. */
  completed = 0;
  /** Set while the session is persistent and the broker journals. */
  recorder: SessionRecorder | undefined;
  private seq = 0;

  // Scratch space for merging overlapping subscriptions during one routing pass.
  routeMark = 0;
  routeQos: QoS = 0;
  routeRetain = false;
  routeSubIds: number[] | undefined;

  constructor(readonly clientId: string) {}

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Queued messages in order (for persistence and inspection). */
  queuedMessages(): readonly Outgoing[] {
    return this.queue.slice(this.queueHead);
  }

  /** Hands one message to the client now, or queues it; returns false when it was dropped. */
  deliver(message: Message, qos: QoS, retain: boolean, subIds: readonly number[] | undefined, limit: QueueLimit): boolean {
    const link = this.link;
    if (qos === 0) return link !== undefined && link.sendQos0(message, retain, subIds);
    const recorder = this.recorder;
    const out: Outgoing = { message, qos, retain, subIds, packetId: 0, state: 'publish', seq: ++this.seq };
    if (link && this.queued === 0 && this.inflight.size < link.sendQuota) {
      if (recorder) recorder.queued(this, out);
      this.transmit(link, out);
      return true;
    }
    const size = messageBytes(message);
    if (this.queued >= limit.messages || this.queuedBytes + size > limit.bytes) {
      this.dropped++;
      return false;
    }
    if (recorder) recorder.queued(this, out);
    this.queue.push(out);
    this.queuedBytes += size;
    return true;
  }

  /** After a restore: new messages are numbered after the restored ones. */
  restoreSequence(seq: number): void {
    this.seq = Math.max(this.seq, seq);
  }

  /** An inbound QoS 2 message was delivered; its packet id is held until PUBREL. */
  holdInboundQos2(packetId: number): void {
    this.inboundQos2.add(packetId);
    this.recorder?.inboundQos2(this, packetId, true);
  }

  /** PUBREL: false when the packet id was not held. */
  releaseInboundQos2(packetId: number): boolean {
    if (!this.inboundQos2.delete(packetId)) return false;
    this.recorder?.inboundQos2(this, packetId, false);
    return true;
  }

  /** Restores a queued message (persistence). */
  restoreQueued(out: Outgoing): void {
    this.queue.push(out);
    this.queuedBytes += messageBytes(out.message);
  }

  private transmit(link: SessionLink, out: Outgoing): void {
    out.packetId = this.allocatePacketId();
    this.inflight.set(out.packetId, out);
    this.recorder?.sent(this, out);
    // A message the client cannot take counts as completed (MQTT-3.1.2-25).
    if (!link.sendPublish(out, false)) this.finish(out);
  }

  private allocatePacketId(): number {
    for (;;) {
      const id = this.nextPacketId;
      this.nextPacketId = id === 65535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
  }

  /** PUBACK (QoS 1) or PUBCOMP (QoS 2) from the client: the flow for that id is over. */
  complete(packetId: number, expected: 'puback' | 'pubcomp'): boolean {
    const out = this.inflight.get(packetId);
    if (!out) return false;
    if (expected === 'puback' ? out.qos !== 1 : out.state !== 'pubrel') return false;
    this.finish(out);
    this.completed++;
    this.drain();
    return true;
  }

  /** PUBREC from the client: 'release' to send PUBREL, 'ended' when the client refused it, 'unknown' for a stray id. */
  received(packetId: number, reasonCode: number): 'release' | 'ended' | 'unknown' {
    const out = this.inflight.get(packetId);
    if (!out || out.qos !== 2) return 'unknown';
    if (reasonCode >= 0x80) {
      this.finish(out);
      this.drain();
      return 'ended';
    }
    out.state = 'pubrel';
    this.recorder?.released(this, out);
    return 'release';
  }

  /** Sends queued messages while the client has quota. */
  drain(): void {
    const link = this.link;
    if (!link) return;
    while (this.queueHead < this.queue.length && this.inflight.size < link.sendQuota) {
      const out = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Outgoing;
      this.queuedBytes -= messageBytes(out.message);
      this.transmit(link, out);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** A connection took the session over: resend unacknowledged messages (DUP) and release the queue. */
  resume(link: SessionLink): void {
    this.link = link;
    for (const out of [...this.inflight.values()]) {
      if (out.state === 'pubrel') link.sendPubrel(out.packetId);
      else if (!link.sendPublish(out, true)) this.finish(out);
    }
    this.drain();
  }

  /** Drops queued and in-flight messages that fail `keep`; returns how many were dropped. */
  discardUnless(keep: (out: Outgoing) => boolean): Outgoing[] {
    const dropped: Outgoing[] = [];
    for (const [id, out] of this.inflight) {
      if (!keep(out)) {
        this.inflight.delete(id);
        this.recorder?.done(this, out);
        dropped.push(out);
      }
    }
    const kept: Outgoing[] = [];
    let keptBytes = 0;
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const out = this.queue[i]!;
      if (keep(out)) {
        kept.push(out);
        keptBytes += messageBytes(out.message);
      } else {
        this.recorder?.done(this, out);
        dropped.push(out);
      }
    }
    if (dropped.length > 0) {
      this.queue = kept;
      this.queueHead = 0;
      this.queuedBytes = keptBytes;
    }
    return dropped;
  }

  /** An in-flight message's flow is over. */
  private finish(out: Outgoing): void {
    this.inflight.delete(out.packetId);
    this.recorder?.done(this, out);
  }

  /** Drops everything queued or in flight (clean start). */
  clearMessages(): void {
    this.inflight.clear();
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.inboundQos2.clear();
  }
}

/** What one queued message costs, for the byte limit. */
function messageBytes(m: Message): number {
  return m.payload.length + m.topic.length;
}
