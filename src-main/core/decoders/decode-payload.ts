import { decodeBase64 } from './base64-decoder';
import { decodeCbor } from './cbor-decoder';
import { type DecodeResult, type DecoderKind, STRUCTURED_LIMIT_BYTES, failure } from './decoded-payload';
import { decodeHex } from './hex-decoder';
import { decodeJson, mightBeJson } from './json-decoder';
import { decodeMsgpack } from './msgpack-decoder';
import { type ProtobufSchema, decodeProtobuf } from './protobuf-decoder';
import { SPARKPLUG_B_TOPIC_PREFIX, decodeSparkplug } from './sparkplug-b-decoder';
import { decodeText, looksLikeText, utf8Boundary } from './text-decoder';

/** How the user wants a payload shown. */
export interface DecodeRequest {
  readonly kind: DecoderKind | 'auto';
  /** The message's topic: `auto` tries Sparkplug B only under spBv1.0/. */
  readonly topic?: string;
  /** Needed for kind `protobuf`. */
  readonly schema?: ProtobufSchema;
  /** Decode everything regardless of size (an explicit "show all"). */
  readonly full?: boolean;
  /** Text page size in bytes. */
  readonly pageBytes?: number;
  /** Hex page start and length. */
  readonly offset?: number;
  readonly length?: number;
}

/** Bytes `auto` inspects to judge whether a payload reads as text. */
const TEXT_SNIFF_BYTES = 64 * 1024;

/** Decodes a payload as asked; never throws, a failure says `cannot decode as X: why`. */
export function decodePayload(payload: Uint8Array, request: DecodeRequest): DecodeResult {
  const page = { full: request.full, pageBytes: request.pageBytes };
  try {
    switch (request.kind) {
      case 'auto':
        return decodeAuto(payload, request);
      case 'text':
        return decodeText(payload, page);
      case 'json':
        return decodeJson(payload, page);
      case 'hex':
        return decodeHex(payload, { offset: request.offset, length: request.length, full: request.full });
      case 'base64':
        return decodeBase64(payload, page);
      case 'cbor':
        return decodeCbor(payload, page);
      case 'msgpack':
        return decodeMsgpack(payload, page);
      case 'sparkplug':
        return decodeSparkplug(payload, page);
      case 'protobuf':
        return request.schema === undefined
          ? failure('protobuf', 'Protobuf', 'no .proto schema and message type were given; add them in the decoder settings')
          : decodeProtobuf(payload, request.schema, page);
      default:
        return assertNever(request.kind);
    }
  } catch (error) {
    // Decoders already catch their own failures; this is the last guard for a library surprise.
    const kind = request.kind === 'auto' ? 'hex' : request.kind;
    return failure(kind, kind, error instanceof Error ? error.message : String(error));
  }
}

/** Which decoder `auto` would pick for these bytes and topic. */
export function chooseDecoder(payload: Uint8Array, topic?: string): DecoderKind {
  if (payload.length > 0 && payload.length <= STRUCTURED_LIMIT_BYTES && mightBeJson(payload) && decodeJson(payload).ok) return 'json';
  const sniff = payload.length <= TEXT_SNIFF_BYTES ? payload : payload.subarray(0, utf8Boundary(payload, TEXT_SNIFF_BYTES));
  if (looksLikeText(sniff)) return 'text';
  if (topic?.startsWith(SPARKPLUG_B_TOPIC_PREFIX) === true && decodeSparkplug(payload).ok) return 'sparkplug';
  return 'hex';
}

function decodeAuto(payload: Uint8Array, request: DecodeRequest): DecodeResult {
  const page = { full: request.full, pageBytes: request.pageBytes };
  if (payload.length > 0 && (request.full === true || payload.length <= STRUCTURED_LIMIT_BYTES) && mightBeJson(payload)) {
    const json = decodeJson(payload, page);
    if (json.ok) return json;
  }
  const sniff = payload.length <= TEXT_SNIFF_BYTES ? payload : payload.subarray(0, utf8Boundary(payload, TEXT_SNIFF_BYTES));
  if (looksLikeText(sniff)) return decodeText(payload, page);
  if (request.topic?.startsWith(SPARKPLUG_B_TOPIC_PREFIX) === true) {
    const sparkplug = decodeSparkplug(payload, page);
    if (sparkplug.ok) return sparkplug;
  }
  return decodeHex(payload, { offset: request.offset, length: request.length, full: request.full });
}

function assertNever(value: never): never {
  throw new Error(`Unexpected decoder: ${String(value)}`);
}
