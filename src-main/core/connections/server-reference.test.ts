import { describe, expect, it } from 'vitest';
import type { BrokerUrl } from '../../../shared/mqtt/broker-url';
import { resolveServerReference } from './server-reference';

const plain: BrokerUrl = { scheme: 'mqtt', host: 'old.example', port: 1883, path: '' };
const secure: BrokerUrl = { scheme: 'wss', host: 'old.example', port: 443, path: '/mqtt' };

describe('resolveServerReference', () => {
  it('reads host:port with the current scheme', () => {
    expect(resolveServerReference('new.example:2883', plain)).toEqual({ ok: true, url: { scheme: 'mqtt', host: 'new.example', port: 2883, path: '' } });
  });

  it('keeps the current port and WebSocket path for a bare host, and reads bracketed IPv6', () => {
    expect(resolveServerReference('new.example', secure)).toEqual({ ok: true, url: { scheme: 'wss', host: 'new.example', port: 443, path: '/mqtt' } });
    expect(resolveServerReference('[::1]:8883', plain)).toEqual({ ok: true, url: { scheme: 'mqtt', host: '[::1]', port: 8883, path: '' } });
  });

  it('takes the first usable server of a space-separated list, and full URLs', () => {
    expect(resolveServerReference('bad:99999 mqtts://b.example:8884', plain)).toEqual({ ok: true, url: { scheme: 'mqtts', host: 'b.example', port: 8884, path: '' } });
  });

  it('never moves an encrypted connection to a plain one', () => {
    const r = resolveServerReference('mqtt://b.example:1883', secure);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/encrypted connection to an unencrypted one/);
  });

  it('says why an unreadable reference cannot be followed', () => {
    expect(resolveServerReference('  ', plain)).toEqual({ ok: false, message: 'The Server Reference is empty.' });
    const r = resolveServerReference('a/b', plain);
    expect(!r.ok && r.message).toMatch(/"a\/b" is neither host\[:port\] nor a broker URL/);
  });
});
