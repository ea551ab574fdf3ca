import { randomUUID } from 'node:crypto';
import type { MessageView } from '../../shared/ipc/common';
import type { BrokerCheckLine, BrokerCheckReport, BrokerFacts } from '../../shared/ipc/connections';
import { TopiaryError } from '../../shared/ipc/errors';
import type { TopiaryClient } from './client';
import { TopiaryClient as Client } from './client';
import type { ConnectOptions } from './connect-options';

/** One line of the report: what, the answer, and how it was found out ('CONNACK property …', 'default (MQTT 5 …)' or 'test: …'). */
export type CheckLine = BrokerCheckLine;

/** The contract's report, the same the app shows in the connection details. */
export type CheckReport = BrokerCheckReport;

const WAIT_MS = 3_000;

/** Resolves with the first message on `topic` (or undefined after `ms`). */
function nextMessage(client: TopiaryClient, topic: string, ms = WAIT_MS): Promise<MessageView | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      resolve(undefined);
    }, ms);
    const on = (m: MessageView): void => {
      if (m.topic !== topic) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve(m);
    };
    client.on('message', on);
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/**
 * What a broker supports and how it behaves: the versions it accepts, its CONNACK's promises, and actual
 * tests (retained, wildcard, shared and identified subscriptions, sessions, wills, expiry, request/response,
 * round trips at each QoS) on topics under a random `topiary-check/…` prefix, cleaned up afterwards.
 */
export async function checkBroker(options: ConnectOptions, progress: (step: string) => void = () => undefined): Promise<CheckReport> {
  const base = { ...options, subscriptions: [], reconnect: { enabled: false } } as ConnectOptions;
  const prefix = `topiary-check/${randomUUID().slice(0, 8)}`;
  const lines: CheckLine[] = [];
  const open: TopiaryClient[] = [];
  const connect = async (extra: Partial<ConnectOptions>): Promise<TopiaryClient> => {
    const c = await Client.open({ ...base, ...extra } as ConnectOptions);
    open.push(c);
    return c;
  };

  try {
    progress('versions');
    const accepted: string[] = [];
    const refused: string[] = [];
    let main: TopiaryClient | undefined;
    let firstError: unknown;
    for (const [version, name] of [
      [5, '5.0'],
      [4, '3.1.1'],
      [3, '3.1'],
    ] as const) {
      try {
        const c = await connect({ protocolVersion: version });
        accepted.push(name);
        if (version === 5) main = c;
        else await c.end();
      } catch (e) {
        firstError ??= e;
        // Only a refused protocol version is an answer here; anything else (refused, bad credentials, TLS) ends the check.
        const versionRefused = e instanceof TopiaryError && (e.code === 'PROTOCOL_ERROR' || /version/i.test(e.message));
        if (!versionRefused) throw e;
        refused.push(name);
      }
    }
    if (accepted.length === 0) throw firstError instanceof Error ? firstError : new TopiaryError('CONNECTION_FAILED', 'The broker accepted no MQTT version.');
    lines.push({ name: 'MQTT versions accepted', value: accepted.join(', '), how: `test: connected with each version${refused.length > 0 ? ` (refused: ${refused.join(', ')})` : ''}` });
    const v = main ?? (await connect({ protocolVersion: 4 }));
    const v5 = main !== undefined;
    const facts: BrokerFacts | undefined = v.info.broker;
    const fact = (name: string, present: unknown, value: string, fallback: string): void => {
      lines.push(present !== undefined ? { name, value, how: 'CONNACK property' } : { name, value: fallback, how: v5 ? 'default (absent from the MQTT 5 CONNACK)' : 'default (MQTT 3.1.1 has no CONNACK properties)' });
    };
    fact('maximum QoS', facts?.maximumQoS, String(facts?.maximumQoS), '2');
    fact('retain available', facts?.retainAvailable, String(facts?.retainAvailable), 'true');
    fact('wildcard subscriptions (announced)', facts?.wildcardSubscriptionAvailable, String(facts?.wildcardSubscriptionAvailable), 'true');
    fact('shared subscriptions (announced)', facts?.sharedSubscriptionAvailable, String(facts?.sharedSubscriptionAvailable), 'true');
    fact('subscription identifiers (announced)', facts?.subscriptionIdentifiersAvailable, String(facts?.subscriptionIdentifiersAvailable), v5 ? 'true' : 'n/a');
    fact('topic alias maximum', facts?.topicAliasMaximum, String(facts?.topicAliasMaximum), '0 (no aliases)');
    fact('receive maximum', facts?.receiveMaximum, String(facts?.receiveMaximum), '65535');
    fact('maximum packet size', facts?.maximumPacketSize, `${facts?.maximumPacketSize} bytes`, 'no limit announced');
    fact('server keepalive', facts?.serverKeepAlive, `${facts?.serverKeepAlive} s`, `the client's ${v.options.keepalive} s accepted`);

    const watcher = await connect({ protocolVersion: v5 ? 5 : 4 });
    const publisher = v;

    progress('retained messages');
    {
      const topic = `${prefix}/retained`;
      await publisher.publish(topic, 'r', { qos: 1, retain: true });
      const reader = await connect({ protocolVersion: v5 ? 5 : 4 });
      const got = nextMessage(reader, topic);
      await reader.subscribe(topic, { qos: 1 });
      const m = await got;
      lines.push({ name: 'retained messages', value: m?.retain ? 'kept and delivered' : 'not delivered', how: 'test: published retained, then a new subscriber received it' });
      await publisher.publish(topic, '', { qos: 1, retain: true });
    }

    progress('subscriptions');
    {
      const topic = `${prefix}/wild/a`;
      const got = nextMessage(watcher, topic);
      const sub = await watcher.subscribe(`${prefix}/wild/+`, { qos: 1 });
      await publisher.publish(topic, 'w', { qos: 1 });
      lines.push({ name: 'wildcard subscriptions', value: sub.granted[0]?.ok && (await got) ? 'work' : `refused (0x${(sub.granted[0]?.reasonCode ?? 0).toString(16)})`, how: 'test: subscribed with + and received a message' });
    }
    {
      const topic = `${prefix}/shared`;
      const got = nextMessage(watcher, topic);
      const sub = await watcher.subscribe(`$share/topiary/${topic}`, { qos: 1 });
      await publisher.publish(topic, 's', { qos: 1 });
      const ok = sub.granted[0]?.ok === true && (await got) !== undefined;
      lines.push({ name: 'shared subscriptions', value: ok ? 'work' : `refused (0x${(sub.granted[0]?.reasonCode ?? 0).toString(16)})`, how: 'test: subscribed to $share/topiary/… and received a message' });
    }
    if (v5) {
      const topic = `${prefix}/subid`;
      const got = nextMessage(watcher, topic);
      const sub = await watcher.subscribe(topic, { qos: 1, subscriptionIdentifier: 7 });
      await publisher.publish(topic, 'i', { qos: 1 });
      const m = await got;
      const ok = sub.granted[0]?.ok === true && m?.properties?.subscriptionIdentifiers?.includes(7) === true;
      lines.push({ name: 'subscription identifiers', value: ok ? 'work' : 'not delivered', how: 'test: subscribed with identifier 7 and saw it on the message' });
    }

    progress('sessions');
    {
      const clientId = `topiary-check-${randomUUID().slice(0, 8)}`;
      const topic = `${prefix}/session`;
      const first = await connect({ protocolVersion: v5 ? 5 : 4, clientId, clean: false, ...(v5 ? { sessionExpiryInterval: 60 } : {}) });
      await first.subscribe(topic, { qos: 1 });
      await first.end();
      await publisher.publish(topic, 'while away', { qos: 1 });
      const again = await connect({ protocolVersion: v5 ? 5 : 4, clientId, clean: false, ...(v5 ? { sessionExpiryInterval: 0 } : {}) });
      const got = await nextMessage(again, topic);
      const present = again.info.broker?.sessionPresent === true;
      lines.push({
        name: 'session persistence across reconnect',
        value: present && got ? 'kept (session present, queued QoS 1 message delivered)' : present ? 'session present, queued message not delivered' : 'not kept',
        how: 'test: reconnected with clean start off after a QoS 1 message was published',
      });
      await again.end();
      if (!v5) await (await connect({ protocolVersion: 4, clientId, clean: true })).end();
    }

    progress('will');
    {
      const topic = `${prefix}/will`;
      await watcher.subscribe(topic, { qos: 1 });
      const dying = await connect({ protocolVersion: v5 ? 5 : 4, will: { topic, payload: 'gone', qos: 1, retain: false } });
      const got = nextMessage(watcher, topic);
      dying.abortTransport();
      lines.push({ name: 'will delivery', value: (await got) ? 'delivered' : 'not delivered within 3 s', how: 'test: dropped a connection without DISCONNECT' });
    }

    if (v5) {
      progress('message expiry');
      const topic = `${prefix}/expiry`;
      await publisher.publish(topic, 'short-lived', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
      await new Promise((r) => setTimeout(r, 2_100));
      const reader = await connect({ protocolVersion: 5 });
      const got = nextMessage(reader, topic, 1_000);
      await reader.subscribe(topic, { qos: 1 });
      const m = await got;
      lines.push({ name: 'message expiry', value: m ? 'not honoured (expired retained message still delivered)' : 'honoured', how: 'test: a retained message with a 1 s expiry was gone 2 s later' });
      if (m) await publisher.publish(topic, '', { qos: 1, retain: true });

      progress('request/response');
      const rr = `${prefix}/request`;
      const gotReq = nextMessage(watcher, rr);
      await watcher.subscribe(rr, { qos: 1 });
      await publisher.publish(rr, 'ping', { qos: 1, properties: { responseTopic: `${prefix}/reply`, correlationData: 'c-1' } });
      const req = await gotReq;
      const carried = req?.properties?.responseTopic === `${prefix}/reply` && Buffer.from(req.properties.correlationData ?? []).toString() === 'c-1';
      lines.push({
        name: 'request/response',
        value: `${carried ? 'response topic and correlation data forwarded' : 'properties lost'}${facts?.responseInformation ? `; response information "${facts.responseInformation}"` : ''}`,
        how: 'test: published with a response topic and correlation data',
      });
    }

    progress('latency');
    {
      const topic = `${prefix}/latency`;
      await watcher.subscribe(topic, { qos: 2 });
      for (const qos of [0, 1, 2] as const) {
        const times: number[] = [];
        for (let i = 0; i < 10; i++) {
          const got = nextMessage(watcher, topic);
          const t = performance.now();
          await publisher.publish(topic, String(i), { qos });
          if (await got) times.push(performance.now() - t);
        }
        lines.push({ name: `round trip QoS ${qos}`, value: times.length > 0 ? `${median(times).toFixed(1)} ms median of ${times.length}` : 'no message came back', how: 'test: published to a topic this check subscribes to' });
      }
    }
    return { url: v.info.url, lines };
  } finally {
    await Promise.all(open.map((c) => c.end().catch(() => undefined)));
  }
}
