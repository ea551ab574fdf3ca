import type { MqttClient } from 'mqtt';

/**
 * The topics a broker has given Topic Aliases for (MQTT 5 section 3.3.2.3.4), as MQTT.js's `TopicAliasRecv` keeps
 * them (put, getTopicByAlias, clear, max), but without its `Object.keys(...)` on every `put`: MQTT.js puts on every
 * PUBLISH that carries an alias and a topic, and under a flood over more topics than there are aliases a broker
 * sends nearly every message that way. Those key arrays (one of up to Topic Alias Maximum entries per message) were
 * the largest allocation in the core's process at 50,000 msg/s (`npm run bench -- core-gc-probe`).
 */
export class TopicAliasTable {
  private topics: (string | undefined)[] = [];

  constructor(readonly max: number) {}

  put(topic: string, alias: number): boolean {
    if (alias === 0 || alias > this.max) return false;
    this.topics[alias] = topic;
    return true;
  }

  getTopicByAlias(alias: number): string | undefined {
    return this.topics[alias];
  }

  clear(): void {
    this.topics = [];
  }
}

/**
 * Swaps the client's alias table for a TopicAliasTable, before it connects (MQTT.js reads `max` for CONNECT), and
 * returns it; undefined when the client accepts no aliases.
 */
export function useLeanTopicAliases(client: MqttClient): TopicAliasTable | undefined {
  const holder = client as unknown as { topicAliasRecv?: { readonly max: number } };
  if (!holder.topicAliasRecv) return undefined;
  const table = new TopicAliasTable(holder.topicAliasRecv.max);
  holder.topicAliasRecv = table;
  return table;
}
