import type { IConnackPacket } from 'mqtt';
import type { Qos } from '../../../shared/ipc/common';
import type { BrokerFacts } from '../../../shared/ipc/connections';
import { userPropertiesToPairs } from './message-from-packet';

/** What a CONNACK tells about the broker and the session, as plain data. */
export function brokerFacts(packet: IConnackPacket): BrokerFacts {
  const p = packet.properties ?? {};
  const out: { -readonly [K in keyof BrokerFacts]: BrokerFacts[K] } = {
    sessionPresent: packet.sessionPresent,
    reasonCode: packet.reasonCode ?? packet.returnCode ?? 0,
  };
  if (p.assignedClientIdentifier !== undefined) out.assignedClientIdentifier = p.assignedClientIdentifier;
  if (p.serverKeepAlive !== undefined) out.serverKeepAlive = p.serverKeepAlive;
  if (p.sessionExpiryInterval !== undefined) out.sessionExpiryInterval = p.sessionExpiryInterval;
  if (p.maximumQoS !== undefined) out.maximumQoS = p.maximumQoS as Qos;
  if (p.retainAvailable !== undefined) out.retainAvailable = p.retainAvailable;
  if (p.wildcardSubscriptionAvailable !== undefined) out.wildcardSubscriptionAvailable = p.wildcardSubscriptionAvailable;
  if (p.sharedSubscriptionAvailable !== undefined) out.sharedSubscriptionAvailable = p.sharedSubscriptionAvailable;
  if (p.subscriptionIdentifiersAvailable !== undefined) out.subscriptionIdentifiersAvailable = p.subscriptionIdentifiersAvailable;
  if (p.topicAliasMaximum !== undefined) out.topicAliasMaximum = p.topicAliasMaximum;
  if (p.maximumPacketSize !== undefined) out.maximumPacketSize = p.maximumPacketSize;
  if (p.receiveMaximum !== undefined) out.receiveMaximum = p.receiveMaximum;
  if (p.reasonString !== undefined) out.reasonString = p.reasonString;
  if (p.serverReference !== undefined) out.serverReference = p.serverReference;
  if (p.responseInformation !== undefined) out.responseInformation = p.responseInformation;
  if (p.userProperties !== undefined) out.userProperties = userPropertiesToPairs(p.userProperties);
  return out;
}
