import { describe, expect, it } from 'vitest';
import { decodeJson, mightBeJson } from './json-decoder';

const enc = new TextEncoder();

describe('decodeJson', () => {
  it('pretty-prints JSON and keeps the value', () => {
    const result = decodeJson(enc.encode('{"a":1,"b":[true,null]}'));
    expect(result).toMatchObject({ ok: true, kind: 'json', value: { a: 1, b: [true, null] } });
    expect(result.ok && result.text).toBe('{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}');
  });

  it('explains malformed JSON', () => {
    const result = decodeJson(enc.encode('{"a":'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^cannot decode as JSON: .+/);
    const empty = decodeJson(new Uint8Array(0));
    expect(!empty.ok && empty.error).toBe('cannot decode as JSON: the payload is empty');
    const binary = decodeJson(new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(!binary.ok && binary.error).toBe('cannot decode as JSON: the payload is not valid UTF-8 text');
  });

  it('asks before parsing a huge payload, and parses it when told to', () => {
    const text = `[${'1,'.repeat(5_000_000)}1]`;
    const bytes = enc.encode(text);
    const refused = decodeJson(bytes);
    expect(!refused.ok && refused.error).toMatch(/^cannot decode as JSON: the payload is 9\.5 MB, above the 8\.0 MB limit/);
    const full = decodeJson(bytes, { full: true });
    expect(full.ok && (full.value as unknown[]).length).toBe(5_000_001);
  });

  it('recognises what could start a JSON value', () => {
    expect(mightBeJson(enc.encode('  {"x":1}'))).toBe(true);
    expect(mightBeJson(enc.encode('-3.5'))).toBe(true);
    expect(mightBeJson(enc.encode('hello'))).toBe(false);
  });
});
