import type { MessageProperties } from '../../../../shared/ipc/common';
import type { InspectedMessage } from '../../../../shared/ipc/explorer';
import { formatBytes, formatTime, useTimeFormat } from '../../lib/format';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 64), (b) => b.toString(16).padStart(2, '0')).join(' ') + (bytes.length > 64 ? ' …' : '');
}


/** QoS, flags, size, arrival and every MQTT 5 property the message carried (not its decoded view: any message's facts). */
export function MessageFacts({ message, count }: { readonly message: Omit<InspectedMessage, 'decoded'>; readonly count?: number }): React.JSX.Element {
  const p = message.properties;
  const time = new Date(message.receivedAt);
  useTimeFormat();
  return (
    <>
      <dl className="facts">
        <dt>QoS</dt>
        <dd data-testid="inspector-qos">{message.qos}</dd>
        <dt>Retained</dt>
        <dd data-testid="inspector-retain">{message.retain ? 'yes' : 'no'}</dd>
        <dt>Dup</dt>
        <dd data-testid="inspector-dup">{message.dup ? 'yes' : 'no'}</dd>
        <dt>Size</dt>
        <dd data-testid="inspector-size" data-bytes={message.size}>
          {formatBytes(message.size)}
        </dd>
        <dt>Received</dt>
        <dd data-testid="inspector-time" title={time.toISOString()}>
          {formatTime(time)}
        </dd>
        {count !== undefined ? (
          <>
            <dt>Messages</dt>
            <dd data-testid="inspector-count">{count}</dd>
          </>
        ) : null}
      </dl>
      {p ? <MessagePropertiesList properties={p} /> : null}
    </>
  );
}

/** Every MQTT 5 property a message carried (the live message's, or any remembered or stored one's). */
export function MessagePropertiesList({ properties: p }: { readonly properties: MessageProperties }): React.JSX.Element {
  return (
    <dl className="props" data-testid="inspector-properties">
      {p.contentType !== undefined ? (
        <>
          <dt>Content type</dt>
          <dd data-testid="prop-content-type">{p.contentType}</dd>
        </>
      ) : null}
      {p.payloadFormatIndicator !== undefined ? (
        <>
          <dt>Payload format</dt>
          <dd data-testid="prop-payload-format">{p.payloadFormatIndicator ? 'UTF-8 text' : 'bytes'}</dd>
        </>
      ) : null}
      {p.responseTopic !== undefined ? (
        <>
          <dt>Response topic</dt>
          <dd data-testid="prop-response-topic">{p.responseTopic}</dd>
        </>
      ) : null}
      {p.correlationData !== undefined ? (
        <>
          <dt>Correlation data</dt>
          <dd data-testid="prop-correlation-data">{hex(p.correlationData)}</dd>
        </>
      ) : null}
      {p.messageExpiryInterval !== undefined ? (
        <>
          <dt>Message expiry</dt>
          <dd data-testid="prop-message-expiry">{p.messageExpiryInterval} s</dd>
        </>
      ) : null}
      {p.subscriptionIdentifiers !== undefined ? (
        <>
          <dt>Subscription ids</dt>
          <dd data-testid="prop-subscription-ids">{p.subscriptionIdentifiers.join(', ')}</dd>
        </>
      ) : null}
      {p.topicAlias !== undefined ? (
        <>
          <dt>Topic alias</dt>
          <dd>{p.topicAlias}</dd>
        </>
      ) : null}
      {(p.userProperties ?? []).map(([k, v], i) => (
        <span key={i} style={{ display: 'contents' }}>
          <dt>User property</dt>
          <dd data-testid="prop-user">
            {k}: {v}
          </dd>
        </span>
      ))}
    </dl>
  );
}
