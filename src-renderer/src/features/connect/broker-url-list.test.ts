import { describe, expect, it } from 'vitest';
import { parseBrokerUrlList } from './broker-url-list';

describe('quick-connect broker list', () => {
  it('reads one URL as a single broker', () => {
    expect(parseBrokerUrlList(' mqtt://a:1883 ')).toEqual({ ok: true, url: 'mqtt://a:1883', urls: [] });
  });

  it('reads a comma or space separated list as failover order', () => {
    expect(parseBrokerUrlList('mqtt://a:1883, mqtts://b:8883  ws://c/mqtt')).toEqual({ ok: true, url: 'mqtt://a:1883', urls: ['mqtts://b:8883', 'ws://c/mqtt'] });
  });

  it('says which entry of a list is wrong', () => {
    const result = parseBrokerUrlList('mqtt://a:1883, b:1883');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^In the failover list: "b:1883" has no scheme/);
  });

  it('refuses an empty field and a broker listed twice', () => {
    expect(parseBrokerUrlList('   ').ok).toBe(false);
    const twice = parseBrokerUrlList('mqtt://a:1883,mqtt://a:1883');
    expect(twice).toEqual({ ok: false, message: 'The failover list names a broker twice; list each broker once.' });
  });
});
