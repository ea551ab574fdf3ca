import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';

/** Properties the tests read from received packets. */
export interface ReceivedProperties {
  readonly subscriptionIdentifier?: number | number[];
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
  readonly userProperties?: Record<string, string | string[]>;
  readonly contentType?: string;
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly serverKeepAlive?: number;
  readonly receiveMaximum?: number;
  readonly maximumPacketSize?: number;
  readonly topicAliasMaximum?: number;
  readonly assignedClientIdentifier?: string;
  readonly topicAlias?: number;
  readonly responseInformation?: string;
  readonly serverReference?: string;
  readonly reasonString?: string;
}

/** A received packet with the fields the tests look at (mqtt-packet's union made flat). */
export interface ReceivedPacket {
  readonly cmd: Packet['cmd'];
  readonly messageId?: number;
  readonly reasonCode?: number;
  readonly returnCode?: number;
  readonly sessionPresent?: boolean;
  readonly granted?: number[];
  readonly topic?: string;
  readonly payload?: Buffer;
  readonly qos?: number;
  readonly retain?: boolean;
  readonly dup?: boolean;
  /** Absent at run time when the packet carried none; tests read it only where they expect some. */
  readonly properties: ReceivedProperties;
}

/** A packet-level MQTT client for what MQTT.js hides: raw bytes, protocol violations, exact acks. */
export class RawClient {
  readonly received: Packet[] = [];
  private readonly parser;
  private closedFlag = false;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly protocolVersion: 3 | 4 | 5,
  ) {
    this.parser = mqttPacket.parser({ protocolVersion });
    this.parser.on('packet', (p: Packet) => {
      this.received.push(p);
      this.wake();
    });
    this.parser.on('error', () => {
      this.socket.destroy();
    });
    socket.on('data', (d) => this.parser.parse(d));
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, protocolVersion: 3 | 4 | 5 = 5): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new RawClient(s, protocolVersion)));
      s.once('error', reject);
    });
  }

  /** Opens a connection and completes CONNECT/CONNACK. */
  static async connected(port: number, protocolVersion: 3 | 4 | 5, connect: Record<string, unknown> = {}): Promise<{ client: RawClient; connack: ReceivedPacket }> {
    const client = await RawClient.open(port, protocolVersion);
    client.send({ cmd: 'connect', protocolVersion, protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT', clean: true, keepalive: 60, clientId: '', ...connect });
    const connack = await client.next('connack');
    return { client, connack };
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(packet: Record<string, unknown>): void {
    this.socket.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: this.protocolVersion }));
  }

  sendRaw(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** Waits for the next packet of a kind (earlier packets of other kinds stay queued). */
  async next(cmd?: Packet['cmd'], timeoutMs = 3000): Promise<ReceivedPacket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((p) => cmd === undefined || p.cmd === cmd);
      if (i >= 0) return this.received.splice(i, 1)[0] as unknown as ReceivedPacket;
      if (this.closedFlag) throw new Error(`connection closed while waiting for ${cmd ?? 'a packet'}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${cmd ?? 'a packet'}`);
      await this.sleepUntilWoken(deadline - Date.now());
    }
  }

  /** Resolves true once the server closes the connection, false on timeout. */
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag) {
      if (Date.now() > deadline) return false;
      await this.sleepUntilWoken(deadline - Date.now());
    }
    return true;
  }

  /** True when no packet of this kind arrives within the window (used only to prove an absence). */
  async expectNone(cmd: Packet['cmd'], windowMs = 300): Promise<boolean> {
    try {
      await this.next(cmd, windowMs);
      return false;
    } catch {
      return true;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** Stops reading from the socket, to play a client that has stalled. */
  stopReading(): void {
    this.socket.pause();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(1, ms));
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
