import { decode, encode } from '@msgpack/msgpack';
import type { Frame } from './wire';

// MessagePack rather than JSON so payloads cross a socket as raw bytes, not base64 text.

/** Encodes a frame for a byte-oriented transport (the WebSocket wire). */
export function encodeFrame(frame: Frame): Uint8Array {
  return encode(frame, { ignoreUndefined: true });
}

/** Decodes bytes into an unchecked value; the receiver validates its shape. */
export function decodeFrame(bytes: Uint8Array): unknown {
  return decode(bytes);
}
