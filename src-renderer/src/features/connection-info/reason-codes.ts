/** MQTT 5 reason codes by number (spec §2.4); 0–2 differ by packet, so callers name those themselves. */
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

/** MQTT 3.1/3.1.1 CONNACK return codes. */
const RETURN_CODE_NAMES: readonly string[] = [
  'Connection accepted',
  'Unacceptable protocol version',
  'Identifier rejected',
  'Server unavailable',
  'Bad user name or password',
  'Not authorized',
];

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

/** Any packet's reason code, named where the number means one thing in every packet. */
export function reasonName(code: number): string | undefined {
  return REASON_NAMES[code];
}
