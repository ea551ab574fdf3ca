/**
 * MQTT reason codes: the one table Topiary has. MQTT 5.0 §2.4 for reason codes, MQTT 3.1.1 §3.2.2.3 for CONNACK
 * return codes. The broker sends them by constant, the client and the window name them with `reasonName`.
 */

/** MQTT 5 reason codes (MQTT 5.0 §2.4). 0x00–0x02 mean different things in different packets. */
export const ReasonCode = {
  Success: 0x00,
  GrantedQos1: 0x01,
  GrantedQos2: 0x02,
  DisconnectWithWill: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  ContinueAuthentication: 0x18,
  ReAuthenticate: 0x19,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  Banned: 0x8a,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  MessageRateTooHigh: 0x96,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  RetainNotSupported: 0x9a,
  QosNotSupported: 0x9b,
  UseAnotherServer: 0x9c,
  ServerMoved: 0x9d,
  SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f,
  MaximumConnectTime: 0xa0,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** The specification's name of each reason code above 0x02 (the ones whose meaning does not depend on the packet). */
const REASON_NAMES: Readonly<Record<number, string>> = {
  0x04: 'Disconnect with Will Message',
  0x10: 'No matching subscribers',
  0x11: 'No subscription existed',
  0x18: 'Continue authentication',
  0x19: 'Re-authenticate',
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8b: 'Server shutting down',
  0x8c: 'Bad authentication method',
  0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over',
  0x8f: 'Topic Filter invalid',
  0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use',
  0x92: 'Packet Identifier not found',
  0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid',
  0x95: 'Packet too large',
  0x96: 'Message rate too high',
  0x97: 'Quota exceeded',
  0x98: 'Administrative action',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9e: 'Shared Subscriptions not supported',
  0x9f: 'Connection rate exceeded',
  0xa0: 'Maximum connect time',
  0xa1: 'Subscription Identifiers not supported',
  0xa2: 'Wildcard Subscriptions not supported',
};

/** The reason codes a CONNACK may carry (MQTT 5.0 §3.2.2.2); the broker closes without one for the others. */
export const CONNACK_REASONS: ReadonlySet<number> = new Set([
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
]);

/** MQTT 3.1/3.1.1 CONNACK return codes (§3.2.2.3). */
export const ConnackV3 = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUserNameOrPassword: 4,
  NotAuthorized: 5,
} as const;

const RETURN_CODE_NAMES: readonly string[] = [
  'Connection accepted',
  'Unacceptable protocol version',
  'Identifier rejected',
  'Server unavailable',
  'Bad user name or password',
  'Not authorized',
];

/** Any packet's reason code, named where the number means one thing in every packet; undefined otherwise. */
export function reasonName(code: number): string | undefined {
  return REASON_NAMES[code];
}

/** "0x00" style, as the specification writes reason codes. */
export function hexCode(code: number): string {
  return `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

/** A CONNACK's reason (MQTT 5) or return code (3.x) with its name, e.g. "0x87 Not authorized". */
export function connackReason(code: number, protocolVersion: 3 | 4 | 5): string {
  if (protocolVersion !== 5) return `${code} ${RETURN_CODE_NAMES[code] ?? 'Unknown return code'}`;
  if (code === 0) return `${hexCode(0)} Success`;
  return `${hexCode(code)} ${REASON_NAMES[code] ?? 'Unknown reason code'}`;
}

/** A PUBACK/PUBREC/PUBCOMP reason in words, e.g. 0x87 → "Not authorized". */
export function publishReasonName(code: number): string {
  if (code === 0) return 'Success';
  return REASON_NAMES[code] ?? `Reason ${hexCode(code)}`;
}

/** A reason in lower case for a log line, e.g. "not authorized" or "reason 0x7f". */
export function describeReason(code: number): string {
  if (code === 0) return 'success';
  const name = REASON_NAMES[code];
  return name === undefined ? `reason 0x${code.toString(16)}` : name.toLowerCase();
}

/** Maps a v5 CONNACK reason to the nearest 3.1.1 return code, as mosquitto does. */
export function connackCodeForV3(reason: number): number {
  switch (reason) {
    case ReasonCode.Success:
      return ConnackV3.Accepted;
    case ReasonCode.UnsupportedProtocolVersion:
      return ConnackV3.UnacceptableProtocolVersion;
    case ReasonCode.ClientIdentifierNotValid:
      return ConnackV3.IdentifierRejected;
    case ReasonCode.BadUserNameOrPassword:
      return ConnackV3.BadUserNameOrPassword;
    case ReasonCode.NotAuthorized:
      return ConnackV3.NotAuthorized;
    default:
      return ConnackV3.ServerUnavailable;
  }
}
