import { describe, expect, it } from 'vitest';
import { parseBrokerOptions } from './options-schema';

describe('parseBrokerOptions: the MQTT 5 server settings', () => {
  it('accepts a moved setting, a response topic prefix and the topic alias switch', () => {
    const o = parseBrokerOptions({ moved: { serverReference: 'other:1883', permanent: true }, responseTopicPrefix: 'replies/', sendTopicAliases: false });
    expect(o.moved).toEqual({ serverReference: 'other:1883', permanent: true });
    expect(o.responseTopicPrefix).toBe('replies/');
    expect(o.sendTopicAliases).toBe(false);
  });

  it('refuses a moved setting without a server, naming the field', () => {
    expect(() => parseBrokerOptions({ moved: { serverReference: '  ' } })).toThrow(/"moved\.serverReference" is invalid: a server reference names at least one server/);
  });

  it('refuses a response topic prefix with a wildcard', () => {
    expect(() => parseBrokerOptions({ responseTopicPrefix: 'r/#/' })).toThrow(/"responseTopicPrefix" is invalid: a response topic prefix must not contain \+ # or NUL/);
  });
});
