import type { BrokerFacts } from '../../../../shared/ipc/connections';
import { connackReason } from '../../../../shared/mqtt/reason-codes';

/** One line of the info panel: a readable name, and either the broker's value or what applies when it said nothing. */
export interface FactRow {
  /** Stable key, also the row's test id suffix. */
  readonly key: string;
  readonly label: string;
  readonly value: string;
  /** False when the broker omitted the property and `value` is the protocol's default. */
  readonly sent: boolean;
}

type PropertyKey = Exclude<keyof BrokerFacts, 'sessionPresent' | 'reasonCode'>;

interface PropertySpec {
  readonly key: PropertyKey;
  readonly label: string;
  /** What applies when the CONNACK leaves the property out (MQTT 5 §3.2.2.3). */
  readonly absent: string;
}

const PROPERTIES: readonly PropertySpec[] = [
  { key: 'assignedClientIdentifier', label: 'Assigned client id', absent: 'the client id we sent' },
  { key: 'serverKeepAlive', label: 'Server keep alive', absent: 'the keep alive we asked for' },
  { key: 'sessionExpiryInterval', label: 'Session expiry interval', absent: 'the interval we asked for' },
  { key: 'maximumQoS', label: 'Maximum QoS', absent: '2' },
  { key: 'retainAvailable', label: 'Retain available', absent: 'yes' },
  { key: 'wildcardSubscriptionAvailable', label: 'Wildcard subscriptions available', absent: 'yes' },
  { key: 'sharedSubscriptionAvailable', label: 'Shared subscriptions available', absent: 'yes' },
  { key: 'subscriptionIdentifiersAvailable', label: 'Subscription identifiers available', absent: 'yes' },
  { key: 'topicAliasMaximum', label: 'Topic alias maximum', absent: '0, no topic aliases' },
  { key: 'maximumPacketSize', label: 'Maximum packet size', absent: 'no limit beyond the protocol’s 256 MB' },
  { key: 'receiveMaximum', label: 'Receive maximum', absent: '65,535' },
  { key: 'reasonString', label: 'Reason string', absent: 'none' },
  { key: 'serverReference', label: 'Server reference', absent: 'none' },
  { key: 'responseInformation', label: 'Response information', absent: 'none' },
  { key: 'userProperties', label: 'User properties', absent: 'none' },
];

const SECONDS_KEYS: ReadonlySet<PropertyKey> = new Set(['serverKeepAlive', 'sessionExpiryInterval']);

function formatValue(key: PropertyKey, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (key === 'maximumPacketSize' && typeof value === 'number') return `${value.toLocaleString('en-US')} bytes`;
  if (key === 'sessionExpiryInterval' && value === 0xffffffff) return 'never expires';
  if (SECONDS_KEYS.has(key) && typeof value === 'number') return `${value.toLocaleString('en-US')} s`;
  if (typeof value === 'number') return value.toLocaleString('en-US');
  if (Array.isArray(value)) return value.map((pair: readonly [string, string]) => `${pair[0]}=${pair[1]}`).join(', ');
  return String(value);
}

/** The CONNACK as rows: reason and session present always; for MQTT 5 every server property, sent or defaulted. */
export function brokerFactRows(facts: BrokerFacts, protocolVersion: 3 | 4 | 5): FactRow[] {
  const rows: FactRow[] = [
    { key: 'reasonCode', label: protocolVersion === 5 ? 'CONNACK reason code' : 'CONNACK return code', value: connackReason(facts.reasonCode, protocolVersion), sent: true },
    { key: 'sessionPresent', label: 'Session present', value: facts.sessionPresent ? 'yes' : 'no', sent: true },
  ];
  if (protocolVersion !== 5) return rows;
  for (const spec of PROPERTIES) {
    const value = facts[spec.key];
    rows.push(
      value === undefined
        ? { key: spec.key, label: spec.label, value: `not sent (default: ${spec.absent})`, sent: false }
        : { key: spec.key, label: spec.label, value: formatValue(spec.key, value), sent: true },
    );
  }
  return rows;
}

/** MQTT version numbers as people say them. */
export function protocolName(protocolVersion: 3 | 4 | 5): string {
  return protocolVersion === 5 ? 'MQTT 5.0' : protocolVersion === 4 ? 'MQTT 3.1.1' : 'MQTT 3.1';
}
