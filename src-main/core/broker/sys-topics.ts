import type { BrokerStats } from './types';

/** Counters behind `$SYS` that the broker's stats do not carry. */
export class SysCounters {
  /** Sockets accepted, CONNECTs accepted, sessions ended by expiry: cumulative. */
  sockets = 0;
  connections = 0;
  expired = 0;
  /** Most clients connected at once. */
  clientsMaximum = 0;
  heapMaximum = 0;
}

/** What the broker holds at the moment of a `$SYS` publication. */
export interface SysSnapshot {
  readonly stats: BrokerStats;
  readonly counters: SysCounters;
  readonly heapUsed: number;
  /** Messages held: retained, queued and in flight. */
  readonly storedMessages: number;
  readonly storedBytes: number;
  readonly sharedSubscriptions: number;
}

/** The cumulative counters mosquitto reports `load/<name>/{1,5,15}min` for. */
function loadCounters(s: SysSnapshot): Record<string, number> {
  return {
    'messages/received': s.stats.messagesReceived,
    'messages/sent': s.stats.messagesSent,
    'publish/received': s.stats.publishReceived,
    'publish/sent': s.stats.publishSent,
    'publish/dropped': s.stats.publishDropped,
    'bytes/received': s.stats.bytesReceived,
    'bytes/sent': s.stats.bytesSent,
    connections: s.counters.connections,
    sockets: s.counters.sockets,
  };
}

/** Exponential moving load averages the way mosquitto computes its `load/.../1min` topics. */
export class LoadAverages {
  private last: { at: number; counters: Record<string, number> } | undefined;
  private readonly values = new Map<string, number>();

  /** Folds in a new sample; returns per-minute rates for 1, 5 and 15 minute windows (none until a second sample). */
  sample(counters: Record<string, number>, now: number): Map<string, number> {
    const last = this.last;
    this.last = { at: now, counters: { ...counters } };
    if (!last) return this.values;
    const dt = Math.max(0.001, (now - last.at) / 1000);
    for (const [name, total] of Object.entries(counters)) {
      const perMinute = ((total - (last.counters[name] ?? 0)) / dt) * 60;
      for (const minutes of [1, 5, 15]) {
        const key = `${name}/${minutes}min`;
        const prev = this.values.get(key) ?? perMinute;
        this.values.set(key, perMinute + Math.exp(-dt / (60 * minutes)) * (prev - perMinute));
      }
    }
    return this.values;
  }
}

/** The `$SYS` topics and values mosquitto 2.0 publishes (all 53 of them), computed from our state. */
export function sysTopicValues(s: SysSnapshot, version: string, now: number, load: LoadAverages): [string, string][] {
  const { stats, counters } = s;
  counters.heapMaximum = Math.max(counters.heapMaximum, s.heapUsed);
  const uptime = Math.floor((now - stats.startedAt) / 1000);
  const disconnected = String(stats.clientsTotal - stats.clientsConnected);
  const out: [string, string][] = [
    ['$SYS/broker/version', version],
    ['$SYS/broker/uptime', `${uptime} seconds`],
    ['$SYS/broker/heap/current', String(s.heapUsed)],
    ['$SYS/broker/heap/maximum', String(counters.heapMaximum)],
    ['$SYS/broker/clients/connected', String(stats.clientsConnected)],
    ['$SYS/broker/clients/active', String(stats.clientsConnected)],
    ['$SYS/broker/clients/total', String(stats.clientsTotal)],
    ['$SYS/broker/clients/disconnected', disconnected],
    ['$SYS/broker/clients/inactive', disconnected],
    ['$SYS/broker/clients/maximum', String(counters.clientsMaximum)],
    ['$SYS/broker/clients/expired', String(counters.expired)],
    ['$SYS/broker/messages/received', String(stats.messagesReceived)],
    ['$SYS/broker/messages/sent', String(stats.messagesSent)],
    ['$SYS/broker/messages/stored', String(s.storedMessages)],
    ['$SYS/broker/store/messages/count', String(s.storedMessages)],
    ['$SYS/broker/store/messages/bytes', String(s.storedBytes)],
    ['$SYS/broker/publish/messages/received', String(stats.publishReceived)],
    ['$SYS/broker/publish/messages/sent', String(stats.publishSent)],
    ['$SYS/broker/publish/messages/dropped', String(stats.publishDropped)],
    ['$SYS/broker/publish/bytes/received', String(stats.publishBytesReceived)],
    ['$SYS/broker/publish/bytes/sent', String(stats.publishBytesSent)],
    ['$SYS/broker/bytes/received', String(stats.bytesReceived)],
    ['$SYS/broker/bytes/sent', String(stats.bytesSent)],
    ['$SYS/broker/subscriptions/count', String(stats.subscriptions)],
    ['$SYS/broker/shared_subscriptions/count', String(s.sharedSubscriptions)],
    ['$SYS/broker/retained messages/count', String(stats.retained)],
  ];
  for (const [key, value] of load.sample(loadCounters(s), now)) out.push([`$SYS/broker/load/${key}`, value.toFixed(2)]);
  return out;
}
