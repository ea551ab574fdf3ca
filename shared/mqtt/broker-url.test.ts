import { describe, expect, it } from 'vitest';
import { formatBrokerUrl, parseBrokerUrl } from './broker-url';

describe('parseBrokerUrl', () => {
  it('fills in default ports and the WebSocket path', () => {
    const cases: [string, string][] = [
      ['mqtt://broker', 'mqtt://broker:1883'],
      ['mqtts://broker', 'mqtts://broker:8883'],
      ['ws://broker', 'ws://broker:80/mqtt'],
      ['wss://broker:8443/ws', 'wss://broker:8443/ws'],
      ['mqtt://[::1]:1884', 'mqtt://[::1]:1884'],
      ['  MQTT://Host:1  ', 'mqtt://Host:1'],
    ];
    for (const [input, expected] of cases) {
      const parsed = parseBrokerUrl(input);
      expect(parsed.ok && formatBrokerUrl(parsed.url)).toBe(expected);
    }
  });

  it('explains what is wrong with a bad URL', () => {
    const message = (text: string): string => {
      const parsed = parseBrokerUrl(text);
      return parsed.ok ? '' : parsed.message;
    };
    expect(message('')).toMatch(/Enter a broker URL/);
    expect(message('localhost:1883')).toMatch(/has no scheme/);
    expect(message('http://x')).toMatch(/Unsupported scheme "http:\/\/"/);
    expect(message('mqtt://x:0')).toMatch(/Port "0" is not valid/);
    expect(message('mqtt://x:99999')).toMatch(/Port "99999"/);
    expect(message('mqtt://x/path')).toMatch(/only makes sense for ws/);
    expect(message('mqtt://')).toMatch(/not a valid broker URL/);
  });
});
