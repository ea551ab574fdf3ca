import { describe, expect, it } from 'vitest';
import { clientIdLabel, CONNECTION_COLOURS, distinctName, nextColour } from './connection-identity';

describe('connection identity', () => {
  it('gives each new connection a colour no listed one uses', () => {
    expect(nextColour([])).toBe(0);
    expect(nextColour([0])).toBe(1);
    expect(nextColour([1, 0, 3])).toBe(2);
  });

  it('reuses the least used colour once every colour is taken', () => {
    const all = CONNECTION_COLOURS.map((_, i) => i);
    expect(nextColour([...all, 0, 1])).toBe(2);
    expect(nextColour(all)).toBe(0);
  });

  it('numbers a name another entry already has', () => {
    expect(distinctName('mqtt://h:1883', [])).toBe('mqtt://h:1883');
    expect(distinctName('mqtt://h:1883', ['mqtt://h:1883'])).toBe('mqtt://h:1883 (2)');
    expect(distinctName('mqtt://h:1883', ['mqtt://h:1883', 'mqtt://h:1883 (2)'])).toBe('mqtt://h:1883 (3)');
  });

  it('says when the broker chose the client id', () => {
    expect(clientIdLabel('sensor-1', false)).toBe('sensor-1');
    expect(clientIdLabel('auto-1234', true)).toBe('auto-1234 (assigned by the broker)');
    expect(clientIdLabel('', true)).toBe('assigned by the broker, not named');
  });
});
