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
  // The secret store (OS keyring, Electron safeStorage or the encrypted key file) refused; details.reason says why.
  'SECRET_STORE_ERROR',
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

  /** The domain's precise reason (see `REASONS`), for callers that must tell apart failures sharing a code. */
  get reason(): Reason | undefined {
    const reason = this.details?.['reason'];
    return typeof reason === 'string' && Object.prototype.hasOwnProperty.call(REASONS, reason) ? (reason as Reason) : undefined;
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

/**
 * Every domain's precise failure reasons and the contract code each crosses the boundary with. This is the one way
 * the core raises a domain failure: `throw contractError('PERSISTENCE_CORRUPT', sentence)` gives a TopiaryError whose
 * code the window and the library act on, with the reason in `details.reason` (and `error.reason`) for those that
 * need more. One table, so the same reason always arrives with the same code.
 */
export const REASONS = {
  // Certificates: the ones the window acts on directly keep their own code.
  WRONG_PASSPHRASE: 'WRONG_PASSPHRASE',
  PASSPHRASE_REQUIRED: 'PASSPHRASE_REQUIRED',
  KEY_MISMATCH: 'KEY_MISMATCH',
  IN_USE: 'IN_USE',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_REQUEST: 'VALIDATION_ERROR',
  UNSUPPORTED_FORMAT: 'CERTIFICATE_ERROR',
  CORRUPT_INPUT: 'CERTIFICATE_ERROR',
  MISSING_CERTIFICATE: 'CERTIFICATE_ERROR',
  MISSING_PRIVATE_KEY: 'CERTIFICATE_ERROR',
  CORRUPT_ENTRY: 'CERTIFICATE_ERROR',
  NOT_A_CA: 'CERTIFICATE_ERROR',
  // Secrets.
  SECRET_KEY_FILE_INSECURE: 'SECRET_STORE_ERROR',
  SECRET_KEY_FILE_CORRUPT: 'SECRET_STORE_ERROR',
  SECRET_SEALED_CORRUPT: 'SECRET_STORE_ERROR',
  SECRET_SEALED_BY_OTHER_VAULT: 'SECRET_STORE_ERROR',
  SECRET_UNSUPPORTED_VERSION: 'SECRET_STORE_ERROR',
  SECRET_DECRYPT_FAILED: 'SECRET_STORE_ERROR',
  SECRET_ENCRYPTION_UNAVAILABLE: 'SECRET_STORE_ERROR',
  SECRET_KEYRING_UNAVAILABLE: 'SECRET_STORE_ERROR',
  // The broker: files and settings the user wrote are their input; the rest is the broker failing.
  CLI_USAGE: 'VALIDATION_ERROR',
  BROKER_CONFIG_INVALID: 'VALIDATION_ERROR',
  PASSWORD_FILE_INVALID: 'VALIDATION_ERROR',
  PASSWORD_ITERATIONS_INVALID: 'VALIDATION_ERROR',
  ACL_FILE_INVALID: 'VALIDATION_ERROR',
  TOPIC_INVALID: 'TOPIC_ERROR',
  CONFIG_FILE_UNREADABLE: 'BROKER_ERROR',
  PERSISTENCE_CORRUPT: 'BROKER_ERROR',
  PERSISTENCE_READ_FAILED: 'BROKER_ERROR',
  LISTEN_FAILED: 'BROKER_ERROR',
} as const satisfies Readonly<Record<string, ErrorCode>>;

export type Reason = keyof typeof REASONS;

/** A domain failure as a contract error: the reason's code, the sentence, and the reason in details. */
export function contractError(reason: Reason, message: string, details?: Readonly<Record<string, unknown>>): TopiaryError {
  return new TopiaryError(REASONS[reason], message, { ...details, reason });
}

/** What a caught error said, for an error's details. */
export function causeOf(error: unknown): { readonly cause: string; readonly causeCode?: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return { cause: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { causeCode: code } : {}) };
}

/** True for a contract error raised with one of these reasons (or with any reason, when none are given). */
export function hasReason(error: unknown, ...reasons: readonly Reason[]): error is TopiaryError & { readonly reason: Reason } {
  if (!(error instanceof TopiaryError) || error.reason === undefined) return false;
  return reasons.length === 0 || reasons.includes(error.reason);
}
