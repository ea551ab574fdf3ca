import { describe, expect, it } from 'vitest';
import { requests, type Method } from '../../../shared/ipc/contract';
import { validationError } from './serve';

function messageOf(method: Method, arg: unknown): string {
  const parsed = requests[method].arg.safeParse(arg);
  if (parsed.success) throw new Error(`${method} accepted ${JSON.stringify(arg)}`);
  return validationError(parsed.error).message;
}

describe('validation messages', () => {
  it('say which list item is wrong and what it must be, in words', () => {
    expect(messageOf('connections.connect', { url: 'mqtt://x', subscriptions: [{ filter: '#', qos: 0 }, { filter: 'a/b', qos: 3 }] })).toBe(
      'Subscription 2: QoS must be 0 (at most once), 1 (at least once) or 2 (exactly once).',
    );
    expect(messageOf('connections.connect', { url: 'mqtt://x', subscriptions: [{ filter: 'a/#/b', qos: 0 }] })).toMatch(/^Subscription 1: .*#/);
  });

  it('turn zod wording into sentences about the field', () => {
    expect(messageOf('connections.connect', {})).toBe('A broker URL is required.');
    expect(messageOf('broker.disconnectClient', {})).toBe('Client id is required.');
    expect(messageOf('certificates.delete', {})).toBe('ID is required.');
    expect(messageOf('history.pause', { paused: 'yes' })).toBe('Paused must be yes or no (true or false).');
    expect(messageOf('history.export', { format: 'xml' })).toMatch(/^Format must be "json", "ndjson" or "csv"\.$/);
    expect(messageOf('explorer.listRows', { connectionId: 'c1', start: -1, count: 10, expanded: [] })).toBe('Start must be at least 0.');
    expect(messageOf('connections.list', { evil: true })).toBe('Unknown field "evil".');
    expect(messageOf('connections.connect', 'mqtt://x')).toBe('The request must be a set of fields.');
  });

  it('keep the path for programs in details', () => {
    const parsed = requests['connections.connect'].arg.safeParse({ url: 'mqtt://x', subscriptions: [{ filter: '#', qos: 7 }] });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const error = validationError(parsed.error);
    expect(error.code).toBe('QOS_ERROR');
    expect(error.details).toMatchObject({ issues: [{ path: 'subscriptions.0.qos' }] });
  });

  it('never show a schema path or zod wording for any request of the contract', () => {
    const junk: readonly unknown[] = [42, null, {}, { connectionId: 7, id: 7, topic: 7, bogus: 1 }];
    const seen: string[] = [];
    for (const method of Object.keys(requests) as Method[]) {
      for (const arg of junk) {
        const parsed = requests[method].arg.safeParse(arg);
        if (parsed.success) continue;
        const message = validationError(parsed.error).message;
        seen.push(message);
        expect(message, `${method} ${JSON.stringify(arg)}`).not.toMatch(/Invalid input|Invalid option|expected (string|number|object)|received|Unrecognized key|\w+\.\d+\.\w+/);
        expect(message, `${method}`).toMatch(/^[A-Z"].*[.!?]$/);
      }
    }
    expect(seen.length).toBeGreaterThan(100);
  });
});
