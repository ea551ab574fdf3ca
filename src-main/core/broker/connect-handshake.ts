import { isUtf8 } from 'node:buffer';
import type { IConnectPacket } from 'mqtt-packet';
import { sameOwner } from './access-guard';
import type { AuthResult, Credentials, EnhancedAuthExchange } from './authenticator';
import type { ConnectionHost, ConnectionSettings } from './connection-host';
import { createMessage, userPropertiesToPairs } from './message';
import { ReasonCode } from '../../../shared/mqtt/reason-codes';
import type { PendingWill } from './session';
import { isValidTopicName } from './topic';
import type { ProtocolVersion, QoS } from './types';

/** Largest packet the protocol allows (remaining length 268,435,455 plus the fixed header). */
export const PROTOCOL_MAX_PACKET = 268_435_460;
export const SESSION_NEVER_EXPIRES = 0xffffffff;

/** Why a CONNECT header is not handled by the generic parser: a bad protocol name, or a level we refuse. */
export type ConnectHeaderProblem =
  | { readonly kind: 'malformed'; readonly message: string }
  | { readonly kind: 'unsupported'; readonly version: ProtocolVersion; readonly message: string };

/** Reads the protocol name and level, so unsupported levels get a CONNACK before mqtt-packet rejects them without one. */
export function inspectConnectHeader(frame: Buffer, headerLength: number, accepted: readonly ProtocolVersion[]): ConnectHeaderProblem | undefined {
  let pos = headerLength;
  if (pos + 2 > frame.length) return undefined;
  const nameLen = frame.readUInt16BE(pos);
  pos += 2;
  if (pos + nameLen + 1 > frame.length) return undefined;
  const name = frame.toString('latin1', pos, pos + nameLen);
  const level = frame[pos + nameLen]! & 0x7f;
  if (name !== 'MQTT' && name !== 'MQIsdp') return { kind: 'malformed', message: `unknown protocol name "${name}"` };
  const supported = level === 3 || level === 4 || level === 5;
  if (!supported || !accepted.includes(level as ProtocolVersion)) {
    return { kind: 'unsupported', version: level === 5 ? 5 : 4, message: `protocol level ${level} is not accepted` };
  }
  return undefined;
}

/** What the broker agreed with a client at CONNECT. */
export interface AcceptedConnect {
  readonly ok: true;
  readonly clientId: string;
  /** The broker chose the client id (the client sent an empty one). */
  readonly assigned: boolean;
  readonly username: string | undefined;
  readonly will: PendingWill | undefined;
  readonly keepalive: number;
  /** Set when the broker overrode the client's keepalive (v5 Server Keep Alive). */
  readonly serverKeepAlive: number | undefined;
  readonly sendQuota: number;
  readonly clientMaxPacket: number;
  readonly sessionExpiry: number;
  /** The client id's session belongs to another user: start clean instead of resuming it. */
  readonly foreignSession: boolean;
}

/** A CONNECT the broker refuses, with the CONNACK reason. */
export interface RefusedConnect {
  readonly ok: false;
  readonly reasonCode: number;
  readonly message: string;
  /** The client id, when it was known before the refusal. */
  readonly clientId: string;
  /** The credentials were refused (reported as auth.failed). */
  readonly authFailed: boolean;
}

/** A CONNECT that passed every check but authentication, which may take a trip to the thread pool. */
export interface ReadConnect {
  readonly ok: 'authenticate';
  readonly clientId: string;
  readonly assigned: boolean;
  readonly will: PendingWill | undefined;
  readonly credentials: Credentials;
  /** The CONNECT named an Authentication Method: this exchange decides, not the password. */
  readonly enhanced: EnhancedAuthExchange | undefined;
}

/**
 * Checks a parsed CONNECT against the broker's settings and limits: the client id, the will and the
 * connection limits. Authentication and the rest follow in `settleConnect`.
 */
export function readConnect(
  p: IConnectPacket,
  v5: boolean,
  host: ConnectionHost,
  conn: { readonly overLimit: boolean },
  certificateUsername: string | undefined,
): ReadConnect | RefusedConnect {
  const s = host.settings;
  const props = p.properties ?? {};
  const refuse = (reasonCode: number, message: string, clientId = '', authFailed = false): RefusedConnect => ({ ok: false, reasonCode, message, clientId, authFailed });
  let enhanced: EnhancedAuthExchange | undefined;
  if (v5) {
    if (props.authenticationMethod !== undefined) {
      enhanced = host.startEnhancedAuth(props.authenticationMethod);
      // [MQTT-4.12.0-1] A method we do not offer: 0x8C and close.
      if (!enhanced) return refuse(ReasonCode.BadAuthenticationMethod, `authentication method "${props.authenticationMethod}" is not supported`);
    } else if (props.authenticationData !== undefined) {
      return refuse(ReasonCode.ProtocolError, 'Authentication Data without an Authentication Method');
    }
    if (props.receiveMaximum === 0) return refuse(ReasonCode.ProtocolError, 'receive maximum of 0');
    if (props.maximumPacketSize === 0) return refuse(ReasonCode.ProtocolError, 'maximum packet size of 0');
  }
  const version = (p.protocolVersion ?? 4) as ProtocolVersion;
  let clientId = p.clientId;
  let assigned = false;
  if (clientId === '') {
    if (v5 || (version === 4 && p.clean)) {
      clientId = host.assignClientId();
      assigned = true;
    } else {
      return refuse(ReasonCode.ClientIdentifierNotValid, 'empty client id without clean session');
    }
  }
  let will: PendingWill | undefined;
  if (p.will) {
    const w = p.will;
    if (!isValidTopicName(w.topic)) return refuse(ReasonCode.TopicNameInvalid, 'invalid will topic', clientId);
    if ((w.qos ?? 0) > s.maximumQos) return refuse(ReasonCode.QosNotSupported, 'will QoS above the maximum', clientId);
    if (w.retain && !s.retainAvailable) return refuse(ReasonCode.RetainNotSupported, 'retained will while retain is off', clientId);
    const payload = typeof w.payload === 'string' ? Buffer.from(w.payload) : w.payload;
    const wp = w.properties;
    if (wp?.payloadFormatIndicator && !isUtf8(payload)) return refuse(ReasonCode.PayloadFormatInvalid, 'will payload is not UTF-8', clientId);
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
    will = { message, delay: wp?.willDelayInterval ?? 0, expiryInterval: wp?.messageExpiryInterval };
  }
  const capacity = host.admitConnection(conn);
  if (capacity !== ReasonCode.Success) {
    return refuse(capacity, capacity === ReasonCode.ConnectionRateExceeded ? 'connection rate exceeded' : 'too many connections', clientId);
  }
  return { ok: 'authenticate', clientId, assigned, will, credentials: { username: p.username, password: p.password, certificateUsername }, enhanced };
}

/**
 * Finishes a CONNECT once its credentials are judged: the will against the publish ACL, the owner of
 * a session being resumed, and the negotiated keepalive and quotas.
 */
export function settleConnect(p: IConnectPacket, v5: boolean, host: ConnectionHost, read: ReadConnect, auth: AuthResult): AcceptedConnect | RefusedConnect {
  const s = host.settings;
  const props = p.properties ?? {};
  const clientId = read.clientId;
  const refuse = (reasonCode: number, message: string, authFailed = false): RefusedConnect => ({ ok: false, reasonCode, message, clientId, authFailed });
  if (!auth.ok) return refuse(auth.reasonCode, 'authentication failed', true);
  const who = { clientId, username: auth.username };
  let will = read.will;
  if (will) {
    // mosquitto 2.0 accepts a 3.x client whose will it may not publish and drops the will when due (checked again
    // then, as rules may change); MQTT 5 can say no at once.
    if (v5 && !host.mayPublish(who, will.message.topic)) return refuse(ReasonCode.NotAuthorized, `not authorised to publish the will on "${will.message.topic}"`);
    will = { ...will, username: auth.username };
  }
  const owner = host.sessionOwner(clientId);
  // Another user's session is never resumed: its queue and subscriptions are not theirs to receive.
  const foreignSession = owner !== undefined && !sameOwner(owner.username, auth.username);
  if (foreignSession && s.sessionOwnerMismatch === 'refuse') return refuse(ReasonCode.NotAuthorized, `session "${clientId}" belongs to another user`);
  let keepalive = p.keepalive ?? 0;
  let serverKeepAlive: number | undefined;
  const maxKa = s.maxKeepalive;
  if (maxKa !== undefined && v5 && (keepalive === 0 || keepalive > maxKa)) {
    keepalive = maxKa;
    serverKeepAlive = maxKa;
  }
  return {
    ok: true,
    clientId,
    assigned: read.assigned,
    foreignSession,
    username: auth.username,
    will,
    keepalive,
    serverKeepAlive,
    sendQuota: Math.min(props.receiveMaximum ?? 65535, s.maxInflight),
    clientMaxPacket: props.maximumPacketSize ?? PROTOCOL_MAX_PACKET,
    sessionExpiry: v5 ? (props.sessionExpiryInterval ?? 0) : p.clean ? 0 : s.persistentClientExpiration,
  };
}

/** The v5 CONNACK properties announcing what this broker supports. */
export function connackProperties(accepted: AcceptedConnect, s: ConnectionSettings): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  if (accepted.assigned) props.assignedClientIdentifier = accepted.clientId;
  if (accepted.serverKeepAlive !== undefined) props.serverKeepAlive = accepted.serverKeepAlive;
  props.receiveMaximum = s.maxInflight;
  props.topicAliasMaximum = s.topicAliasMaximum;
  if (s.maxPacketSize < PROTOCOL_MAX_PACKET) props.maximumPacketSize = s.maxPacketSize;
  if (s.maximumQos < 2) props.maximumQoS = s.maximumQos;
  if (!s.retainAvailable) props.retainAvailable = false;
  props.wildcardSubscriptionAvailable = true;
  props.subscriptionIdentifiersAvailable = true;
  props.sharedSubscriptionAvailable = true;
  return props;
}
