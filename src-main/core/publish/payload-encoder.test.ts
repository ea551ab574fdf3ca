import cbor from 'cbor';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { TopiaryError } from '../../../shared/ipc/errors';
import { base64ToBytes, encodePayload, hexToBytes } from './payload-encoder';

const decodeCbor = (bytes: Uint8Array): unknown => cbor.decodeFirstSync(bytes);

const PROTO = 'syntax = "proto3"; package acme; message Reading { string sensor = 1; double value = 2; int64 at = 3; }';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof TopiaryError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

describe('payload encoder', () => {
  it('reads hex with spaces, colons and 0x prefixes', () => {
    expect([...hexToBytes('0x00 ff:10 80,41')]).toEqual([0x00, 0xff, 0x10, 0x80, 0x41]);
  });

  it('refuses a non-hex digit and an odd digit count with PAYLOAD_ERROR', () => {
    expect(codeOf(() => hexToBytes('0g'))).toMatch(/^PAYLOAD_ERROR: .*"g"/);
    expect(codeOf(() => hexToBytes('abc'))).toMatch(/^PAYLOAD_ERROR: .*odd number/);
  });

  it('reads standard and URL-safe base64 and refuses stray characters', () => {
    expect([...base64ToBytes('AP8Q gEE=')]).toEqual([0x00, 0xff, 0x10, 0x80, 0x41]);
    expect([...base64ToBytes('-_8')]).toEqual([0xfb, 0xff]);
    expect(codeOf(() => base64ToBytes('ab$c'))).toMatch(/^PAYLOAD_ERROR/);
  });

  it('checks JSON before sending it and says where it is broken', () => {
    expect(new TextDecoder().decode(encodePayload({ form: 'json', text: '{"a":1}' }, '{"a":1}'))).toBe('{"a":1}');
    expect(codeOf(() => encodePayload({ form: 'json', text: '' }, '{"a":'))).toMatch(/^PAYLOAD_ERROR: The JSON payload is not valid JSON/);
  });

  it('encodes JSON as CBOR and as MessagePack', () => {
    const text = '{"t":21.5,"ok":true,"tags":["a","b"]}';
    expect(decodeCbor(encodePayload({ form: 'json', text, encoding: 'cbor' }, text))).toEqual(JSON.parse(text));
    expect(decodeMsgpack(encodePayload({ form: 'json', text, encoding: 'msgpack' }, text))).toEqual(JSON.parse(text));
  });

  it('encodes a Protobuf message from JSON with the user .proto, and names a misspelt field', () => {
    const spec = { form: 'protobuf' as const, text: '', proto: PROTO, messageType: 'acme.Reading' };
    const bytes = encodePayload(spec, '{"sensor":"t1","value":2.5,"at":"1700000000000"}');
    // field 1 (len) "t1", field 2 (i64) 2.5, field 3 (varint)
    expect(bytes[0]).toBe(0x0a);
    expect(new TextDecoder().decode(bytes.slice(2, 4))).toBe('t1');
    expect(codeOf(() => encodePayload(spec, '{"sensr":"t1"}'))).toMatch(/PAYLOAD_ERROR: acme.Reading has no field "sensr"/);
    expect(codeOf(() => encodePayload({ ...spec, messageType: 'Nope' }, '{}'))).toMatch(/PAYLOAD_ERROR: Cannot encode as Protobuf: message type "Nope"/);
  });
});
