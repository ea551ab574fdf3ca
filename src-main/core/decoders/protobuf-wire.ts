/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** One top-level field as it sits on the wire. */
export interface WireField {
  readonly field: number;
  readonly wireType: number;
  /** For length-delimited fields, the bytes; else undefined. */
  readonly bytes?: Uint8Array;
}

/**
 * Splits a buffer into its top-level protobuf fields, or returns a reason it is not
 * well-formed protobuf. protobufjs skips what it does not know and never checks wire types
 * of known fields, so this is how we avoid "decoding" plain text as a message.
 */
export function scanWire(bytes: Uint8Array): { readonly fields: readonly WireField[] } | { readonly error: string } {
  const fields: WireField[] = [];
  let i = 0;
  const n = bytes.length;
  const varint = (): number | undefined => {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= n) return undefined;
      const b = bytes[i++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    return undefined;
  };
  while (i < n) {
    const at = i;
    const tag = varint();
    if (tag === undefined) return { error: `truncated field tag at byte ${at}` };
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) return { error: `field number 0 at byte ${at}` };
    switch (wireType) {
      case WIRE_VARINT:
        if (varint() === undefined) return { error: `truncated varint for field ${field} at byte ${at}` };
        fields.push({ field, wireType });
        break;
      case WIRE_I64:
        if (i + 8 > n) return { error: `truncated 64-bit value for field ${field} at byte ${at}` };
        i += 8;
        fields.push({ field, wireType });
        break;
      case WIRE_I32:
        if (i + 4 > n) return { error: `truncated 32-bit value for field ${field} at byte ${at}` };
        i += 4;
        fields.push({ field, wireType });
        break;
      case WIRE_LEN: {
        const length = varint();
        if (length === undefined || i + length > n) return { error: `field ${field} at byte ${at} runs past the end of the payload` };
        fields.push({ field, wireType, bytes: bytes.subarray(i, i + length) });
        i += length;
        break;
      }
      default:
        return { error: `unsupported wire type ${wireType} for field ${field} at byte ${at}` };
    }
  }
  return { fields };
}
