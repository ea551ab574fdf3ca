import type { DecodedView, DecoderChoice } from '../../../shared/ipc/explorer';

/** The ways a payload can be shown (the contract's choices but 'auto', which picks one of these). */
export type DecoderKind = Exclude<DecoderChoice, 'auto'>;

/** A payload decoded for display: the contract's successful DecodedView. */
export type DecodedPayload = Extract<DecodedView, { readonly ok: true }>;

/** Why a payload could not be decoded as the chosen kind (`cannot decode as <X>: <why>`); decoders return this, never throw. */
export type DecodeFailure = Extract<DecodedView, { readonly ok: false }>;

export type DecodeResult = DecodedView;

/** Options every decoder understands. */
export interface PageOptions {
  /** Ignore size limits and decode everything (the user asked for the full view). */
  readonly full?: boolean;
  /** Bytes of text shown before truncating (text, base64); default TEXT_PAGE_BYTES. */
  readonly pageBytes?: number;
}

/** Text shown before the user asks for more. */
export const TEXT_PAGE_BYTES = 256 * 1024;
/** Largest payload parsed as a structure (JSON, CBOR, ...) without `full`. */
export const STRUCTURED_LIMIT_BYTES = 8 * 1024 * 1024;
/** Characters of pretty-printed structure shown before truncating. */
export const STRUCTURED_TEXT_CHARS = 1024 * 1024;

export function failure(kind: DecoderKind, label: string, why: string): DecodeFailure {
  return { ok: false, kind, error: `cannot decode as ${label}: ${why}` };
}

export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** The "too big to decode without asking" failure, with the size and what to do. */
export function tooLarge(kind: DecoderKind, label: string, bytes: number): DecodeFailure {
  return failure(
    kind,
    label,
    `the payload is ${formatBytes(bytes)}, above the ${formatBytes(STRUCTURED_LIMIT_BYTES)} limit for automatic decoding; request the full view to decode it anyway`,
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Pretty JSON of a plain value, cut to STRUCTURED_TEXT_CHARS unless `full`. */
export function prettyText(value: unknown, full: boolean | undefined): { readonly text: string; readonly truncated: boolean } {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  if (full === true || text.length <= STRUCTURED_TEXT_CHARS) return { text, truncated: false };
  return { text: `${text.slice(0, STRUCTURED_TEXT_CHARS)}\n…`, truncated: true };
}
