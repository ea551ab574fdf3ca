import { describe, expect, it } from 'vitest';
import { parseBridgeTopicLines, remapTopic } from './bridge-topics';

describe('parseBridgeTopicLines', () => {
  it("reads mosquitto's topic lines with their defaults", () => {
    const parsed = parseBridgeTopicLines(['# comments and blank lines are skipped', '', 'topic sensors/#', 'cmd/+ in 1', 'topic # both 2 local/ remote/', '"" out 0 devices/x/status site/x/status'].join('\n'));
    expect(parsed).toEqual({
      ok: true,
      topics: [
        { pattern: 'sensors/#', direction: 'out', qos: 0, localPrefix: '', remotePrefix: '' },
        { pattern: 'cmd/+', direction: 'in', qos: 1, localPrefix: '', remotePrefix: '' },
        { pattern: '#', direction: 'both', qos: 2, localPrefix: 'local/', remotePrefix: 'remote/' },
        { pattern: '', direction: 'out', qos: 0, localPrefix: 'devices/x/status', remotePrefix: 'site/x/status' },
      ],
    });
  });

  it('names the line and what is wrong with it', () => {
    expect(parseBridgeTopicLines('a/# sideways')).toMatchObject({ ok: false, line: 1, message: expect.stringMatching(/direction must be in, out or both/) });
    expect(parseBridgeTopicLines('ok/#\na/# in 3')).toMatchObject({ ok: false, line: 2, message: expect.stringMatching(/QoS must be 0, 1 or 2/) });
    expect(parseBridgeTopicLines('a/# in 1 onlyone/')).toMatchObject({ ok: false, message: expect.stringMatching(/both a local and a remote prefix/) });
    expect(parseBridgeTopicLines('a/#/b')).toMatchObject({ ok: false, message: expect.stringMatching(/filter "a\/#\/b" is invalid/) });
    expect(parseBridgeTopicLines('x in 0 a/+/ b/')).toMatchObject({ ok: false, message: expect.stringMatching(/prefixes cannot contain wildcards/) });
  });
});

describe('remapTopic', () => {
  it('swaps one prefix for the other', () => {
    expect(remapTopic('local/a/b', 'local/', 'remote/')).toBe('remote/a/b');
    expect(remapTopic('a/b', '', 'site/')).toBe('site/a/b');
    expect(remapTopic('other/a', 'local/', 'remote/')).toBeUndefined();
  });
});
