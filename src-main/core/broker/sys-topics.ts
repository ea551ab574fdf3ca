import type { BrokerStats } from './types';

/** Exponential moving load averages the way mosquitto computes its `load/.../1min` topics. */
export class LoadAverages {
  private last: { at: number; stats: BrokerStats } | undefined;
  private readonly values = new Map<string, number>();

  /** Folds in a new sample; returns per-minute rates for 1, 5 and 15 minute windows. */
  sample(stats: BrokerStats, now: number): Map<string, number> {
    if (this.last) {
      const dt = Math.max(0.001, (now - this.last.at) / 1000);
      const rates: Record<string, number> = {
        'messages/received': (stats.messagesReceived - this.last.stats.messagesReceived) / dt,
        'messages/sent': (stats.messagesSent - this.last.stats.messagesSent) / dt,
        'publish/received': (stats.publishReceived - this.last.stats.publishReceived) / dt,
        'publish/sent': (stats.publishSent - this.last.stats.publishSent) / dt,
        'bytes/received': (stats.bytesReceived - this.last.stats.bytesReceived) / dt,
        'bytes/sent': (stats.bytesSent - this.last.stats.bytesSent) / dt,
      };
      for (const [name, perSecond] of Object.entries(rates)) {
        for (const minutes of [1, 5, 15]) {
          const key = `${name}/${minutes}min`;
          const factor = Math.exp(-dt / (60 * minutes));
          const prev = this.values.get(key) ?? perSecond * 60;
          this.values.set(key, perSecond * 60 + factor * (prev - perSecond * 60));
        }
      }
    }
    this.last = { at: now, stats: { ...stats } };
    return this.values;
  }
}

/** The `$SYS` topics and values mosquitto publishes, computed from our stats. */
export function sysTopicValues(stats: BrokerStats, version: string, now: number, load: Map<string, number>): [string, string][] {
  const uptime = Math.floor((now - stats.startedAt) / 1000);
  const out: [string, string][] = [
    ['$SYS/broker/version', version],
    ['$SYS/broker/uptime', `${uptime} seconds`],
    ['$SYS/broker/clients/connected', String(stats.clientsConnected)],
    ['$SYS/broker/clients/active', String(stats.clientsConnected)],
    ['$SYS/broker/clients/total', String(stats.clientsTotal)],
    ['$SYS/broker/clients/disconnected', String(stats.clientsTotal - stats.clientsConnected)],
    ['$SYS/broker/messages/received', String(stats.messagesReceived)],
    ['$SYS/broker/messages/sent', String(stats.messagesSent)],
    ['$SYS/broker/publish/messages/received', String(stats.publishReceived)],
    ['$SYS/broker/publish/messages/sent', String(stats.publishSent)],
    ['$SYS/broker/publish/messages/dropped', String(stats.publishDropped)],
    ['$SYS/broker/bytes/received', String(stats.bytesReceived)],
    ['$SYS/broker/bytes/sent', String(stats.bytesSent)],
    ['$SYS/broker/subscriptions/count', String(stats.subscriptions)],
    ['$SYS/broker/retained messages/count', String(stats.retained)],
  ];
  for (const [key, value] of load) out.push([`$SYS/broker/load/${key}`, value.toFixed(2)]);
  return out;
}
