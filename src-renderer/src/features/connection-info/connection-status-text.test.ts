import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { failoverPosition, queuedText, reconnectText, secondsUntil, statusText } from './connection-status-text';

const base: ConnectionInfo = {
  connectionId: 'c1' as ConnectionId,
  name: 'test',
  url: 'mqtt://b:1883',
  urls: ['mqtt://a:1883', 'mqtt://b:1883', 'mqtt://c:1883'],
  protocolVersion: 5,
  clientId: 'topiary-1',
  state: 'connected',
  since: 0,
  queuedCount: 0,
};

describe('connection status text', () => {
  it('names which broker of a failover list is live', () => {
    expect(failoverPosition(base)).toBe('broker 2 of 3');
    expect(statusText(base, 0)).toEqual({ headline: 'Connected', detail: 'to mqtt://b:1883 (broker 2 of 3)' });
  });

  it('says nothing about position for a single broker', () => {
    expect(failoverPosition({ url: 'mqtt://a', urls: ['mqtt://a'] })).toBeUndefined();
    expect(statusText({ ...base, url: 'mqtt://a', urls: ['mqtt://a'] }, 0).detail).toBe('to mqtt://a');
  });

  it('counts down to the next reconnect attempt in whole seconds, rounding up', () => {
    const reconnect = { attempt: 2, maxAttempts: 5, nextAttemptAt: 10_000 };
    expect(reconnectText(reconnect, 7_001)).toBe('attempt 2 of 5, next try in 3 s');
    expect(reconnectText(reconnect, 9_999)).toBe('attempt 2 of 5, next try in 1 s');
    expect(reconnectText(reconnect, 10_000)).toBe('attempt 2 of 5, trying now');
    expect(reconnectText({ ...reconnect, maxAttempts: 0 }, 8_000)).toBe('attempt 2, next try in 2 s');
    expect(secondsUntil(0, 5_000)).toBe(0);
  });

  it('joins the reconnect counter and the reason for a reconnecting connection', () => {
    const info: ConnectionInfo = {
      ...base,
      state: 'reconnecting',
      reconnect: { attempt: 1, maxAttempts: 0, nextAttemptAt: 2_000 },
      error: { code: 'CONNECTION_FAILED', message: 'The broker refused the connection.' },
    };
    expect(statusText(info, 0)).toEqual({ headline: 'Reconnecting', detail: 'attempt 1, next try in 2 s · The broker refused the connection.' });
  });

  it('gives a disconnect its reason and an error its code and sentence', () => {
    const error = { code: 'AUTHENTICATION_FAILED' as const, message: 'Check the user name and password.' };
    expect(statusText({ ...base, state: 'disconnected' }, 0)).toEqual({ headline: 'Disconnected' });
    expect(statusText({ ...base, state: 'disconnected', error }, 0).detail).toBe('Check the user name and password.');
    expect(statusText({ ...base, state: 'error', error }, 0)).toEqual({ headline: 'Error AUTHENTICATION_FAILED', detail: 'Check the user name and password.' });
  });

  it('mentions queued messages only while there are some', () => {
    expect(queuedText(0)).toBeUndefined();
    expect(queuedText(1)).toBe('1 message queued');
    expect(queuedText(12)).toBe('12 messages queued');
  });
});
