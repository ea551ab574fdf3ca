/** Codes a user (or a test) can act on; every failure that crosses the boundary carries one. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'CONNECTION_FAILED',
  // The window lost its link to the Topiary core itself (web mode's process stopped), as opposed to
  // a broker refusing or dropping an MQTT connection (CONNECTION_FAILED).
  'CORE_UNREACHABLE',
  'AUTHENTICATION_FAILED',
  'TLS_ERROR',
  'PROTOCOL_ERROR',
  'TOPIC_ERROR',
  'QOS_ERROR',
  'PAYLOAD_ERROR',
  'PUBLISH_FAILED',
  // A packet larger than the broker's Maximum Packet Size (from its CONNACK, or learned from an MQTT 3 broker
  // that closed the connection right after it): refused before sending, never resent.
  'PACKET_TOO_LARGE',
  // Another client connected with the same client id; reconnecting would only take the session back and forth.
  'SESSION_TAKEN_OVER',
  // A request/response exchange got no matching reply in time.
  'REQUEST_TIMEOUT',
  'NOT_CONNECTED',
  'NOT_FOUND',
  // Certificates: a passphrase to ask for, one that was wrong, a key that belongs to another certificate,
  // an entry still in use, and any other unreadable or unusable certificate material.
  'PASSPHRASE_REQUIRED',
  'WRONG_PASSPHRASE',
  'KEY_MISMATCH',
  'IN_USE',
  'CERTIFICATE_ERROR',
  'UNKNOWN_METHOD',
  // The library and the command line: a call that ran out of time or was cancelled by its AbortSignal,
  // a capability switched off in the configuration, and one this build does not have (yet).
  'TIMEOUT',
  'ABORTED',
  'CAPABILITY_DISABLED',
  'NOT_AVAILABLE',
  'BROKER_ERROR',
  // History: the store is held by another Topiary, or cannot be read or written.
  'STORE_LOCKED',
  'HISTORY_ERROR',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error as data: what crosses the boundary instead of a thrown Error. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Thrown inside the core; turned into ErrorData where a request leaves it. */
export class TopiaryError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.name = 'TopiaryError';
    this.code = code;
    this.details = details;
  }

  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorData(value: unknown): value is ErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { code?: unknown; message?: unknown };
  return typeof v.message === 'string' && (ERROR_CODES as readonly unknown[]).includes(v.code);
}
