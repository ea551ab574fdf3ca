/** Codes the certificate manager reports; each comes with a sentence a person can act on. */
export type CertificateErrorCode =
  | 'WRONG_PASSPHRASE'
  | 'PASSPHRASE_REQUIRED'
  | 'KEY_MISMATCH'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_INPUT'
  | 'MISSING_CERTIFICATE'
  | 'MISSING_PRIVATE_KEY'
  | 'NOT_FOUND'
  | 'IN_USE'
  | 'CORRUPT_ENTRY'
  | 'NOT_A_CA'
  | 'INVALID_REQUEST';

/** A certificate-manager failure as data the UI can show: code, message, details. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  constructor(
    readonly code: CertificateErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  toJSON(): { readonly code: CertificateErrorCode; readonly message: string; readonly details?: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
