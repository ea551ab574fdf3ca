import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_TARGETS, startBrokerTarget, type BrokerTarget } from '../test-support/broker-targets';
import { checkBroker, type CheckReport } from './index';

function line(report: CheckReport, name: string): { value: string; how: string } {
  const l = report.lines.find((x) => x.name === name);
  expect(l, name).toBeDefined();
  return l!;
}

describe.each(BROKER_TARGETS)('checkBroker against %s', (_name, kind) => {
  let url: string;
  let target: BrokerTarget;
  beforeAll(async () => {
    target = await startBrokerTarget(kind);
    url = target.url;
  });
  afterAll(async () => target.stop());

  it('reports every version, the documented features as working, and how each was found', async () => {
    const report = await checkBroker({ url });
    expect(line(report, 'MQTT versions accepted').value).toBe('5.0, 3.1.1, 3.1');
    // Both brokers document retained messages, wildcards, shared subscriptions, subscription identifiers,
    // persistent sessions, wills, message expiry and request/response for MQTT 5.
    expect(line(report, 'retained messages').value).toBe('kept and delivered');
    expect(line(report, 'wildcard subscriptions').value).toBe('work');
    expect(line(report, 'shared subscriptions').value).toBe('work');
    expect(line(report, 'subscription identifiers').value).toBe('work');
    expect(line(report, 'session persistence across reconnect').value).toBe('kept (session present, queued QoS 1 message delivered)');
    expect(line(report, 'will delivery').value).toBe('delivered');
    expect(line(report, 'message expiry').value).toBe('honoured');
    expect(line(report, 'request/response').value).toMatch(/^response topic and correlation data forwarded/);
    for (const qos of [0, 1, 2]) expect(line(report, `round trip QoS ${qos}`).value).toMatch(/ms median of 10$/);
    for (const l of report.lines) expect(l.how).toMatch(/^(CONNACK property|default \(|test: )/);
    // mosquitto announces its receive maximum (20 by default), our broker its own limit: both from the CONNACK.
    expect(line(report, 'receive maximum').how).toBe('CONNACK property');
  }, 60_000);
});
