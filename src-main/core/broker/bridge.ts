import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import { remapTopic, type BridgeTopic } from '../../../shared/mqtt/bridge-topics';

export interface BridgeConfig {
  readonly name: string;
  /** mqtt://, mqtts://, ws:// or wss:// of the remote broker. */
  readonly remoteUrl: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  /** The remote side's protocol; 5 lets the bridge use no-local so 'both' rules never echo. */
  readonly protocolVersion?: 4 | 5;
  readonly topics: readonly BridgeTopic[];
  readonly ca?: string;
  readonly rejectUnauthorized?: boolean;
  /** Wait before reconnecting a dropped side (2 s by default). */
  readonly reconnectPeriodMs?: number;
}

export type BridgeState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface BridgeStatus {
  readonly name: string;
  readonly remoteUrl: string;
  readonly state: BridgeState;
  readonly forwardedIn: number;
  readonly forwardedOut: number;
  /** Local messages not forwarded: QoS 0 while the link was down, QoS 1/2 past the pending limit or refused by the remote. */
  readonly droppedOut: number;
  readonly lastError: string | null;
}

const RECONNECT_MS = 2_000;
/** The remote keeps the bridge's session (and queues for it) this long while the bridge is away: a day, in seconds. */
const REMOTE_SESSION_EXPIRY_S = 86_400;
/** QoS 1/2 messages held for a remote that is away or slow, before new ones are dropped (and counted). */
const MAX_PENDING_OUT = 100_000;

/**
 * Forwards topics between the embedded broker and a remote one, like mosquitto's bridges.
 * Both ends are ordinary MQTT clients: the local one is an MQTT 5 client of our own broker, so
 * no-local keeps a message it forwarded in from being forwarded back out.
 */
export class Bridge {
  private local: MqttClient | undefined;
  private remote: MqttClient | undefined;
  private state: BridgeState = 'stopped';
  private forwardedIn = 0;
  private forwardedOut = 0;
  /** Forwarded out but not yet acknowledged by the remote (MQTT.js holds them across reconnects). */
  private pendingOut = 0;
  private droppedOut = 0;
  private lastError: string | null = null;

  constructor(
    private readonly config: BridgeConfig,
    private readonly localUrl: string,
    private readonly onStatus: (status: BridgeStatus) => void,
  ) {}

  status(): BridgeStatus {
    return { name: this.config.name, remoteUrl: this.config.remoteUrl, state: this.state, forwardedIn: this.forwardedIn, forwardedOut: this.forwardedOut, droppedOut: this.droppedOut, lastError: this.lastError };
  }

  start(): void {
    const c = this.config;
    const outRules = c.topics.filter((t) => t.direction !== 'in');
    const inRules = c.topics.filter((t) => t.direction !== 'out');
    const noLocal = (c.protocolVersion ?? 5) === 5;
    const remoteOptions: IClientOptions = {
      clientId: c.clientId ?? `topiary-bridge-${c.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}`,
      protocolVersion: c.protocolVersion ?? 5,
      reconnectPeriod: c.reconnectPeriodMs ?? RECONNECT_MS,
      connectTimeout: 10_000,
      // Like mosquitto's bridges (cleansession false): what the remote receives for us while the link is down
      // is queued there and delivered when it comes back, instead of being lost.
      clean: false,
      ...((c.protocolVersion ?? 5) === 5 ? { properties: { sessionExpiryInterval: REMOTE_SESSION_EXPIRY_S } } : {}),
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
      ...(c.ca !== undefined ? { ca: c.ca } : {}),
      ...(c.rejectUnauthorized !== undefined ? { rejectUnauthorized: c.rejectUnauthorized } : {}),
    };
    this.setState('connecting');
    const local = mqtt.connect(this.localUrl, { clientId: `${remoteOptions.clientId}-local`, protocolVersion: 5, reconnectPeriod: c.reconnectPeriodMs ?? RECONNECT_MS, clean: true });
    const remote = mqtt.connect(c.remoteUrl, remoteOptions);
    this.local = local;
    this.remote = remote;

    local.on('connect', () => {
      for (const rule of outRules) local.subscribe(rule.localPrefix + rule.pattern, { qos: rule.qos, nl: true, rap: true });
    });
    remote.on('connect', () => {
      this.lastError = null;
      this.setState('connected');
      for (const rule of inRules) remote.subscribe(rule.remotePrefix + rule.pattern, { qos: rule.qos, ...(noLocal ? { nl: true, rap: true } : {}) });
    });
    remote.on('reconnect', () => this.setState('reconnecting'));
    remote.on('offline', () => this.setState('reconnecting'));
    remote.on('error', (error) => {
      this.lastError = error.message;
      this.onStatus(this.status());
    });

    local.on('message', (topic, payload, packet) => {
      const target = this.forward(outRules, topic, 'local', packet);
      if (!target) return;
      // QoS 0 never waits for a link that is down. QoS 1/2 is held by MQTT.js until the remote acknowledges it,
      // resent after a reconnect, so a cut link loses nothing our broker acknowledged; bounded, and counted past that.
      if (target.qos === 0 ? !remote.connected : this.pendingOut >= MAX_PENDING_OUT) {
        this.droppedOut++;
        return;
      }
      if (target.qos > 0) this.pendingOut++;
      this.publishOut(remote, target.topic, payload, target.qos, packet.retain);
      this.forwardedOut++;
    });
    remote.on('message', (topic, payload, packet) => {
      const target = this.forward(inRules, topic, 'remote', packet);
      if (target) {
        local.publish(target.topic, payload, { qos: target.qos, retain: packet.retain });
        this.forwardedIn++;
      }
    });
  }

  /**
   * Publishes to the remote until it acknowledges. MQTT.js fails a publish made while it resends its store after a
   * reconnect if the link drops again ("Connection closed"): that one is sent again. A refusal (a reason code) is final.
   */
  private publishOut(remote: MqttClient, topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean): void {
    remote.publish(topic, payload, { qos, retain }, (error) => {
      const refused = error !== undefined && error !== null && typeof (error as { code?: unknown }).code === 'number';
      // Later, not now: MQTT.js fails such publishes while it walks the very queue a new publish would join.
      if (error && !refused && this.remote === remote && qos > 0) {
        setImmediate(() => this.publishOut(remote, topic, payload, qos, retain));
        return;
      }
      if (qos > 0) this.pendingOut--;
      if (refused) this.droppedOut++;
    });
  }

  async stop(): Promise<void> {
    const ends = [this.local, this.remote];
    this.local = undefined;
    this.remote = undefined;
    await Promise.all(ends.map((client) => client?.endAsync(true)));
    this.setState('stopped');
  }

  /** The first rule whose filter matches decides the other side's topic and QoS. */
  private forward(rules: readonly BridgeTopic[], topic: string, from: 'local' | 'remote', packet: IPublishPacket): { topic: string; qos: 0 | 1 | 2 } | undefined {
    for (const rule of rules) {
      const [fromPrefix, toPrefix] = from === 'local' ? [rule.localPrefix, rule.remotePrefix] : [rule.remotePrefix, rule.localPrefix];
      if (!topicMatchesFilter(fromPrefix + rule.pattern, topic)) continue;
      const mapped = remapTopic(topic, fromPrefix, toPrefix);
      if (mapped !== undefined) return { topic: mapped, qos: Math.min(rule.qos, packet.qos) as 0 | 1 | 2 };
    }
    return undefined;
  }

  private setState(state: BridgeState): void {
    if (this.state === state) return;
    this.state = state;
    this.onStatus(this.status());
  }
}
