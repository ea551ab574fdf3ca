import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeProtobuf } from './protobuf-decoder';

const PROTO = `
syntax = "proto3";
package acme;
enum Unit { CELSIUS = 0; KELVIN = 1; }
message Reading {
  string sensor_id = 1;
  double value = 2;
  Unit unit = 3;
  int64 at = 4;
  repeated string tags = 5;
}
`;

const Reading = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('acme.Reading');

describe('decodeProtobuf', () => {
  it('decodes with the user schema by full or short name', () => {
    const bytes = Reading.encode(Reading.fromObject({ sensor_id: 's1', value: 21.5, unit: 1, at: '9007199254740993', tags: ['a'] })).finish();
    for (const messageType of ['acme.Reading', 'Reading']) {
      const result = decodeProtobuf(bytes, { proto: PROTO, messageType });
      if (!result.ok) throw new Error(result.error);
      expect(result.value).toEqual({ sensor_id: 's1', value: 21.5, unit: 'KELVIN', at: '9007199254740993', tags: ['a'] });
    }
  });

  it('names the types the schema does define when the type is missing', () => {
    const result = decodeProtobuf(new Uint8Array([8, 1]), { proto: PROTO, messageType: 'Nope' });
    expect(!result.ok && result.error).toBe('cannot decode as Protobuf: message type "Nope" is not in the .proto (it defines acme.Reading)');
  });

  it('explains a .proto that does not parse', () => {
    const result = decodeProtobuf(new Uint8Array([8, 1]), { proto: 'message {', messageType: 'X' });
    expect(!result.ok && result.error).toMatch(/^cannot decode as Protobuf: the \.proto does not parse: /);
  });

  it('explains bytes that are not protobuf', () => {
    for (const bytes of [[0x0a, 0x05, 0x61], [0x07], [0x80, 0x80]]) {
      const result = decodeProtobuf(new Uint8Array(bytes), { proto: PROTO, messageType: 'acme.Reading' });
      expect(result.ok, String(bytes)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^cannot decode as Protobuf: .+/);
    }
  });
});
