import type React from 'react';
import { parseBrokerUrl, type BrokerScheme } from '../../../../shared/mqtt/broker-url';

const TRANSPORTS: readonly { readonly scheme: BrokerScheme; readonly label: string; readonly title: string }[] = [
  { scheme: 'mqtt', label: 'TCP (mqtt://)', title: 'MQTT over TCP, unencrypted' },
  { scheme: 'mqtts', label: 'TLS (mqtts://)', title: 'MQTT over TLS' },
  { scheme: 'ws', label: 'WebSocket (ws://)', title: 'MQTT over WebSocket, for brokers behind web proxies' },
  { scheme: 'wss', label: 'Secure WebSocket (wss://)', title: 'MQTT over WebSocket and TLS' },
  { scheme: 'mqtt-udp', label: 'UDP (mqtt-udp://)', title: 'MQTT over reliable UDP, for devices on lossy links; Topiary brokers speak it' },
  { scheme: 'mqtts-dtls', label: 'DTLS (mqtts-dtls://)', title: 'MQTT over DTLS 1.2 on UDP, with a certificate or a pre-shared key' },
];

/** Picks the transport by rewriting the URL's scheme; host and port stay. */
export function TransportSelect({ url, onChange }: { readonly url: string; readonly onChange: (url: string) => void }): React.JSX.Element {
  const parsed = parseBrokerUrl(url);
  const current = parsed.ok ? parsed.url.scheme : '';
  return (
    <label className="profile-field">
      <span>Transport</span>
      <select
        data-testid="profile-transport"
        value={current}
        onChange={(e) => {
          const rest = url.includes('://') ? url.slice(url.indexOf('://') + 3) : url.trim() || 'localhost';
          onChange(`${e.target.value}://${rest}`);
        }}
      >
        {current === '' ? <option value="">(from the URL)</option> : null}
        {TRANSPORTS.map((t) => (
          <option key={t.scheme} value={t.scheme} title={t.title}>
            {t.label}
          </option>
        ))}
      </select>
    </label>
  );
}
