import { describe, expect, it } from 'vitest';
import type { BrokerLogEntry } from '../../../../shared/ipc/broker';
import { filterBrokerLog, logClients } from './broker-log-filter';

const log: readonly BrokerLogEntry[] = [
  { at: 1, type: 'client.connected', clientId: 'sensor-1', text: 'sensor-1 connected' },
  { at: 2, type: 'auth.failed', clientId: 'Intruder', text: 'Intruder: bad password' },
  { at: 3, type: 'client.connected', clientId: 'sensor-2', text: 'sensor-2 connected' },
  { at: 4, type: 'client.disconnected', clientId: 'sensor-1', text: 'sensor-1 left' },
];

describe('broker log filter', () => {
  it('keeps every line, newest first, when nothing is chosen', () => {
    expect(filterBrokerLog(log, { kind: null, client: '' }).map((e) => e.at)).toEqual([4, 3, 2, 1]);
  });

  it('keeps one kind, one client (a part of its id, any case), or both', () => {
    expect(filterBrokerLog(log, { kind: 'client.connected', client: '' }).map((e) => e.at)).toEqual([3, 1]);
    expect(filterBrokerLog(log, { kind: null, client: 'SENSOR-1' }).map((e) => e.at)).toEqual([4, 1]);
    expect(filterBrokerLog(log, { kind: 'client.connected', client: 'sensor-1' }).map((e) => e.at)).toEqual([1]);
    expect(filterBrokerLog(log, { kind: 'message.dropped', client: '' })).toEqual([]);
  });

  it('stops at the limit and lists the clients seen', () => {
    expect(filterBrokerLog(log, { kind: null, client: '' }, 2).map((e) => e.at)).toEqual([4, 3]);
    expect(logClients(log)).toEqual(['Intruder', 'sensor-1', 'sensor-2']);
  });
});
