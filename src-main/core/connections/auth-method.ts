import type { MqttClient } from 'mqtt';
import type { IAuthPacket, IConnackPacket } from 'mqtt-packet';
import { TopiaryError } from '../../../shared/ipc/errors';
import { ScramClient, ScramError, isScramMechanism, type ScramMechanism } from '../auth/scram';

/**
 * One MQTT 5 enhanced authentication exchange on the client side, fresh for each CONNECT and each
 * re-authentication. Throwing from a step ends the exchange; its message is what the user reads.
 */
export interface AuthMethodSession {
  /** Authentication Data for the CONNECT (or the re-authenticating AUTH 0x19). */
  start(): Buffer | undefined;
  /** Answers the server's AUTH 0x18 with the data for our next AUTH 0x18. */
  continue(serverData: Buffer | undefined): Promise<Buffer | undefined>;
  /** The server says it is done (CONNACK 0, or AUTH 0x00 after re-authentication): check what it sent. */
  finish(serverData: Buffer | undefined): void;
}

/** An enhanced authentication method: SCRAM is built in; a library user can add others (a token method, say). */
export interface AuthMethod {
  /** The Authentication Method property, e.g. "SCRAM-SHA-256". */
  readonly name: string;
  session(): AuthMethodSession;
}

/** SCRAM as an authentication method, for one user and password. */
export function scramAuthMethod(mechanism: ScramMechanism, username: string, password: string): AuthMethod {
  return {
    name: mechanism,
    session(): AuthMethodSession {
      const scram = new ScramClient(mechanism, username, password);
      return {
        start: () => Buffer.from(scram.first(), 'utf8'),
        continue: async (data) => Buffer.from(await scram.final(data?.toString('utf8') ?? ''), 'utf8'),
        finish: (data) => scram.verify(data?.toString('utf8')),
      };
    },
  };
}

/** The method for a connection's arguments: a custom one, a SCRAM mechanism by name, or none. */
export function chooseAuthMethod(
  args: { readonly authMethod?: string; readonly username?: string; readonly password?: string; readonly protocolVersion: number },
  custom: AuthMethod | undefined,
): AuthMethod | undefined {
  const method = custom ?? args.authMethod;
  if (method === undefined) return undefined;
  const name = typeof method === 'string' ? method : method.name;
  if (args.protocolVersion !== 5) {
    throw new TopiaryError('VALIDATION_ERROR', `The authentication method ${name} needs MQTT 5 (enhanced authentication does not exist in MQTT 3); set protocolVersion to 5.`);
  }
  if (typeof method !== 'string') return method;
  if (!isScramMechanism(method)) throw new TopiaryError('VALIDATION_ERROR', `Unknown authentication method "${method}"; Topiary speaks SCRAM-SHA-1, SCRAM-SHA-256 and SCRAM-SHA-512.`);
  if (!args.username || args.password === undefined) {
    throw new TopiaryError('VALIDATION_ERROR', `${method} needs a user name and a password (they are proved to the broker, never sent to it).`);
  }
  return scramAuthMethod(method, args.username, args.password);
}

/** Why an exchange failed, as a sentence for the person connecting. */
function describe(method: string, error: unknown): TopiaryError {
  if (error instanceof TopiaryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ScramError && error.code === 'server-not-verified' ? 'server-not-verified' : undefined;
  return new TopiaryError(
    'AUTHENTICATION_FAILED',
    code ? `${method}: the broker could not prove that it knows the password. ${message} Topiary refused the connection.` : `${method} authentication failed: ${message}`,
    { authMethod: method, ...(code ? { reason: code } : {}) },
  );
}

type Callback = (error?: Error, packet?: IAuthPacket) => void;
type PendingReauth = { readonly resolve: () => void; readonly reject: (e: TopiaryError) => void };

/**
 * Runs a method over one MQTT.js client: the CONNECT's data, MQTT.js's `handleAuth` hook for the server's
 * AUTH packets, the check of the CONNACK, and re-authentication on a live connection.
 */
export class AuthExchange {
  private session: AuthMethodSession | undefined;
  private reauth: PendingReauth | undefined;
  /** Set when the CONNACK's proof failed: the connection must not be used. */
  failure: TopiaryError | undefined;

  constructor(
    readonly method: AuthMethod,
    private readonly client: MqttClient,
  ) {
    client.handleAuth = (packet, callback) => void this.onAuth(packet as IAuthPacket, callback as Callback);
  }

  /** Puts a fresh exchange's first data into the options MQTT.js builds its next CONNECT from. */
  prepareConnect(): void {
    this.failure = undefined;
    this.session = this.method.session();
    const options = this.client.options as { properties?: Record<string, unknown>; password?: unknown };
    const data = this.session.start();
    // The password is proved by the exchange; it never travels in CONNECT.
    delete options.password;
    options.properties = { ...options.properties, authenticationMethod: this.method.name, ...(data ? { authenticationData: data } : {}) };
    if (!data) delete options.properties.authenticationData;
  }

  /** Checks an accepting CONNACK; false (with `failure` set) when the broker did not prove itself. */
  checkConnack(packet: IConnackPacket): boolean {
    if ((packet.reasonCode ?? 0) >= 0x80) return true;
    const session = this.session;
    this.session = undefined;
    try {
      if (packet.properties?.authenticationMethod !== this.method.name) {
        throw new TopiaryError('AUTHENTICATION_FAILED', `The broker accepted the connection without completing ${this.method.name} (its CONNACK names no authentication method), so it has not proved that it knows the password. Topiary refused the connection.`, { authMethod: this.method.name, reason: 'server-not-verified' });
      }
      session?.finish(packet.properties?.authenticationData);
      return true;
    } catch (e) {
      this.failure = describe(this.method.name, e);
      return false;
    }
  }

  /** Explains a CONNACK refusal that concerns the method (0x8C: the broker does not speak it). */
  explainRefusal(reasonCode: number): TopiaryError | undefined {
    if (reasonCode === 0x8c) {
      return new TopiaryError('AUTHENTICATION_FAILED', `This broker does not support ${this.method.name} (CONNACK 0x8C, bad authentication method): it has no enhanced authentication, or not this method. Connect with a plain user name and password instead.`, { authMethod: this.method.name, reasonCode });
    }
    if (reasonCode === 0x87 || reasonCode === 0x86) {
      return new TopiaryError('AUTHENTICATION_FAILED', `The broker refused the ${this.method.name} proof (reason 0x${reasonCode.toString(16)}): wrong user name or password, or this user may not use ${this.method.name}.`, { authMethod: this.method.name, reasonCode });
    }
    return undefined;
  }

  /** Re-authenticates a live connection: AUTH 0x19, the exchange, then the broker's AUTH 0x00 checked like a CONNACK. */
  reauthenticate(timeoutMs: number): Promise<void> {
    if (this.reauth || this.session) return Promise.reject(new TopiaryError('VALIDATION_ERROR', 'An authentication exchange is already under way on this connection.'));
    const session = this.method.session();
    this.session = session;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settleReauth(new TopiaryError('TIMEOUT', `The broker did not finish re-authentication (${this.method.name}) within ${timeoutMs} ms.`)), timeoutMs);
      const onClose = (): void => this.settleReauth(new TopiaryError('AUTHENTICATION_FAILED', `The connection closed during re-authentication (${this.method.name}); the broker refused it or went away.`, { authMethod: this.method.name }));
      this.client.once('close', onClose);
      this.reauth = {
        resolve: () => {
          clearTimeout(timer);
          this.client.off('close', onClose);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          this.client.off('close', onClose);
          reject(e);
        },
      };
      const data = session.start();
      // MQTT.js has no public call for AUTH 0x19; _sendPacket is what its own handleAuth answers with.
      (this.client as unknown as { _sendPacket: (p: IAuthPacket) => void })._sendPacket({
        cmd: 'auth',
        reasonCode: 0x19,
        properties: { authenticationMethod: this.method.name, ...(data ? { authenticationData: data } : {}) },
      });
    });
  }

  /** The broker's DISCONNECT during a re-authentication says why it failed. */
  onDisconnect(reasonCode: number): void {
    if (!this.reauth) return;
    this.settleReauth(new TopiaryError('AUTHENTICATION_FAILED', `The broker refused re-authentication (${this.method.name}, DISCONNECT 0x${reasonCode.toString(16)}).`, { authMethod: this.method.name, reasonCode }));
  }

  private settleReauth(error: TopiaryError | undefined): void {
    const r = this.reauth;
    this.reauth = undefined;
    this.session = undefined;
    if (!r) return;
    if (error) r.reject(error);
    else r.resolve();
  }

  private async onAuth(packet: IAuthPacket, callback: Callback): Promise<void> {
    const session = this.session;
    const data = packet.properties?.authenticationData;
    try {
      if (!session) throw new TopiaryError('PROTOCOL_ERROR', `The broker sent AUTH (reason 0x${(packet.reasonCode ?? 0).toString(16)}) when no authentication exchange was under way.`);
      if (packet.reasonCode === 0x18) {
        const next = await session.continue(data);
        callback(undefined, { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: this.method.name, ...(next ? { authenticationData: next } : {}) } });
        return;
      }
      // 0x00: the end of a re-authentication.
      session.finish(data);
      this.settleReauth(undefined);
      callback();
    } catch (e) {
      const error = describe(this.method.name, e);
      this.failure = error;
      this.settleReauth(error);
      callback(error);
    }
  }
}
