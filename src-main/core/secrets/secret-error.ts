/** Codes a user (or the UI) can act on when the vault refuses. */
export type SecretErrorCode =
  | 'SECRET_KEY_FILE_INSECURE'
  | 'SECRET_KEY_FILE_CORRUPT'
  | 'SECRET_SEALED_CORRUPT'
  | 'SECRET_SEALED_BY_OTHER_VAULT'
  | 'SECRET_UNSUPPORTED_VERSION'
  | 'SECRET_DECRYPT_FAILED'
  | 'SECRET_ENCRYPTION_UNAVAILABLE'
  | 'SECRET_KEYRING_UNAVAILABLE';

/** A vault failure with a code and a sentence a person can act on. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(
    readonly code: SecretErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}
