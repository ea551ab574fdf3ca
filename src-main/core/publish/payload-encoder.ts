import cbor from 'cbor';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { PayloadSpec } from '../../../shared/ipc/publish';
import { compileProtobufSchema } from '../decoders/protobuf-decoder';

const encodeCbor = (value: unknown): Uint8Array => cbor.encodeOne(value, { canonical: false });

type Spec = PayloadSpec;
/** Bytes over a plain ArrayBuffer: what the contract's byte fields hold. */
export type Bytes = Uint8Array<ArrayBuffer>;

const utf8 = new TextEncoder();

function payloadError(message: string, details?: Record<string, unknown>): TopiaryError {
  return new TopiaryError('PAYLOAD_ERROR', message, details);
}

/** Parses JSON with a sentence that points at the mistake. */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw payloadError(`The ${what} is not valid JSON: ${(error as Error).message}. Fix it, or choose the Text payload form to send it as it is.`);
  }
}

/** Hex digits to bytes; whitespace, colons, commas and 0x prefixes are ignored. */
export function hexToBytes(text: string): Bytes {
  const digits = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  const bad = /[^0-9a-fA-F]/.exec(digits);
  if (bad) throw payloadError(`The hex payload has "${bad[0]}", which is not a hex digit (0-9, a-f).`);
  if (digits.length % 2 !== 0) throw payloadError(`The hex payload has an odd number of digits (${digits.length}); each byte needs two.`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

/** Base64 (standard or URL-safe, padding optional, whitespace ignored) to bytes. */
export function base64ToBytes(text: string): Bytes {
  const clean = text.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw payloadError('The base64 payload has characters outside A-Z, a-z, 0-9, +, /, - and _ (or misplaced = padding).');
  if (clean.replace(/=+$/, '').length % 4 === 1) throw payloadError('The base64 payload is cut short: its length cannot come from whole bytes.');
  return Uint8Array.from(Buffer.from(clean, 'base64'));
}

/** Turns composer text (placeholders already filled) into the bytes on the wire. */
export function encodePayload(spec: Spec, text: string): Bytes {
  switch (spec.form) {
    case 'text':
      return utf8.encode(text);
    case 'json': {
      const encoding = spec.encoding ?? 'json';
      if (encoding === 'json') {
        parseJson(text, 'JSON payload');
        return utf8.encode(text);
      }
      const value = parseJson(text, 'JSON payload');
      return encoding === 'cbor' ? Uint8Array.from(encodeCbor(value)) : Uint8Array.from(encodeMsgpack(value));
    }
    case 'hex':
      return hexToBytes(text);
    case 'base64':
      return base64ToBytes(text);
    case 'file':
      return spec.bytes;
    case 'protobuf': {
      const type = compileProtobufSchema({ proto: spec.proto, messageType: spec.messageType });
      if (typeof type === 'string') throw payloadError(`Cannot encode as Protobuf: ${type}.`);
      const value = parseJson(text, 'Protobuf message (written as JSON)');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw payloadError(`Write the ${spec.messageType} message as a JSON object, e.g. {"field": 1}.`);
      // fromObject would silently drop a misspelt field; say so instead.
      const unknown = Object.keys(value).filter((key) => type.fields[key] === undefined);
      if (unknown.length > 0) {
        throw payloadError(`${spec.messageType} has no field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its fields are ${Object.keys(type.fields).join(', ')}.`);
      }
      try {
        return Uint8Array.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
      } catch (error) {
        throw payloadError(`The JSON does not fit ${spec.messageType}: ${(error as Error).message}.`);
      }
    }
  }
}

/** The text a spec carries (a file carries none). */
export function specText(spec: Spec): string {
  return spec.form === 'file' ? '' : spec.text;
}
