import { useEffect, useState } from 'react';
import type { BridgeSettings, BrokerListenerSettings, BrokerSettings } from '../../../../shared/ipc/broker';
import type { CertificateId } from '../../../../shared/ipc/certificates';
import { parseBridgeTopicLines } from '../../../../shared/mqtt/bridge-topics';
import { CertificatePicker } from '../certificates/certificate-picker';
import { previewAccess, saveBrokerSettings } from './actions';
import { AccessWarning, type PendingChange } from './access-warning';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

type ListenerChange = Partial<Omit<Extract<BrokerListenerSettings, { kind: 'tls' }>, 'kind'>> & { path?: string; idleTimeoutSeconds?: number };

/** Settings of the embedded broker; a running broker restarts with them when saved. */
export function BrokerSettingsForm({ settings }: { readonly settings: BrokerSettings }): React.JSX.Element {
  const [draft, setDraft] = useState<BrokerSettings>(settings);
  useEffect(() => setDraft(settings), [settings]);
  const exposed = draft.listeners.some((l) => !LOOPBACK.has(l.host));
  const [pending, setPending] = useState<PendingChange | null>(null);

  // Turning anonymous logins off refuses the next login of every anonymous client (Topiary's own connection
  // among them, by default): the list comes first and the save waits for the user's word.
  const save = async (): Promise<void> => {
    setPending(null);
    if (settings.allowAnonymous && !draft.allowAnonymous) {
      const preview = await previewAccess({ allowAnonymous: false });
      if (preview.losses.length > 0) {
        setPending({ what: 'Refusing anonymous clients', preview, apply: () => saveBrokerSettings(draft) });
        return;
      }
    }
    await saveBrokerSettings(draft);
  };

  const setListener = (index: number, change: ListenerChange): void => {
    setDraft((d) => ({ ...d, listeners: d.listeners.map((l, i) => (i === index ? ({ ...l, ...change } as BrokerListenerSettings) : l)) }));
  };

  return (
    <section className="broker-section broker-settings" data-testid="broker-settings">
      <h3>Settings</h3>
      <label>
        <input type="checkbox" data-testid="broker-autostart" checked={draft.autoStart} onChange={(e) => setDraft({ ...draft, autoStart: e.target.checked })} /> Start with Topiary
      </label>
      <label>
        <input type="checkbox" data-testid="broker-anonymous" checked={draft.allowAnonymous} onChange={(e) => setDraft({ ...draft, allowAnonymous: e.target.checked })} /> Allow anonymous clients
      </label>
      <label>
        Persistence{' '}
        <select data-testid="broker-persistence" value={draft.persistence} onChange={(e) => setDraft({ ...draft, persistence: e.target.value as 'memory' | 'disk' })}>
          <option value="memory">in memory</option>
          <option value="disk">on disk (survives restarts)</option>
        </select>
      </label>
      <fieldset className="limits" data-testid="broker-limits">
        <legend>Limits (empty: none)</legend>
        {(
          [
            ['maxConnections', 'Max connections'],
            ['maxPacketSize', 'Max packet size (bytes)'],
            ['maxInflight', 'Max in-flight per client'],
            ['maxQueued', 'Max queued per client (default 100,000)'],
            ['maxQueuedBytes', 'Max queued bytes per client (default 256 MiB)'],
            ['maxMessageRate', 'Max messages/s per client'],
          ] as const
        ).map(([key, label]) => (
          <label key={key}>
            {label}{' '}
            <input
              type="number"
              min={0}
              aria-label={label}
              data-testid={`broker-limit-${key}`}
              value={draft.limits[key] ?? ''}
              onChange={(e) => {
                const { [key]: _old, ...rest } = draft.limits;
                setDraft({ ...draft, limits: e.target.value === '' ? rest : { ...rest, [key]: Number(e.target.value) } });
              }}
            />
          </label>
        ))}
      </fieldset>
      <table className="grid">
        <thead>
          <tr>
            <th>Listener</th>
            <th>Port (0 = free)</th>
            <th>Bind address</th>
            <th>Path</th>
            <th>TLS</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {draft.listeners.map((l, i) => (
            <tr key={i} data-testid="broker-listener-setting">
              <td>{l.kind}</td>
              <td>
                <input type="number" min={0} max={65535} aria-label="Port" data-testid="broker-listener-port" value={l.port} onChange={(e) => setListener(i, { port: Number(e.target.value) })} />
              </td>
              <td>
                <input aria-label="Bind address" data-testid="broker-listener-host" value={l.host} onChange={(e) => setListener(i, { host: e.target.value })} />
              </td>
              <td>
                {l.kind === 'ws' || l.kind === 'wss' ? l.path : null}
                {l.kind === 'udp' || l.kind === 'dtls' ? (
                  <label>
                    idle timeout (s){' '}
                    <input type="number" min={1} max={86400} aria-label="Idle timeout in seconds" data-testid="broker-udp-idle-timeout" value={l.idleTimeoutSeconds} onChange={(e) => setListener(i, { idleTimeoutSeconds: Number(e.target.value) })} />
                  </label>
                ) : null}
              </td>
              <td>
                {l.kind === 'tls' || l.kind === 'wss' ? (
                  <div className="tls-listener" data-testid="broker-tls-settings">
                    <label>
                      Server identity{' '}
                      <CertificatePicker kind="server-identity" testId="broker-tls-identity" value={l.serverIdentityId ? [l.serverIdentityId as CertificateId] : []} onChange={(ids) => setListener(i, { serverIdentityId: ids[0] ?? '' })} />
                    </label>
                    <label>
                      Client CA{' '}
                      <CertificatePicker kind="trusted-ca" testId="broker-tls-client-ca" value={l.clientCaId ? [l.clientCaId as CertificateId] : []} onChange={(ids) => setListener(i, ids[0] ? { clientCaId: ids[0] } : { clientCaId: undefined })} />
                    </label>
                    <label>
                      <input type="checkbox" data-testid="broker-tls-require-cert" checked={l.requireClientCertificate} onChange={(e) => setListener(i, { requireClientCertificate: e.target.checked })} /> require a client certificate
                    </label>
                    <label>
                      <input type="checkbox" checked={l.useCertificateCnAsUsername} onChange={(e) => setListener(i, { useCertificateCnAsUsername: e.target.checked })} /> its CN is the user name
                    </label>
                  </div>
                ) : null}
                {l.kind === 'dtls' ? (
                  <div className="tls-listener" data-testid="broker-dtls-settings">
                    <label title="Without one, the listener takes the users' pre-shared keys only">
                      Server identity (none: pre-shared keys only){' '}
                      <CertificatePicker kind="server-identity" testId="broker-dtls-identity" value={l.serverIdentityId ? [l.serverIdentityId as CertificateId] : []} onChange={(ids) => setListener(i, { serverIdentityId: ids[0] ?? '' })} />
                    </label>
                  </div>
                ) : null}
              </td>
              <td>
                <button type="button" className="danger btn-sm" disabled={draft.listeners.length === 1} onClick={() => setDraft({ ...draft, listeners: draft.listeners.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" className="quiet" data-testid="broker-add-tcp" onClick={() => setDraft({ ...draft, listeners: [...draft.listeners, { kind: 'tcp', port: 0, host: '127.0.0.1' }] })}>
          Add TCP listener
        </button>
        <button type="button" className="quiet" data-testid="broker-add-ws" onClick={() => setDraft({ ...draft, listeners: [...draft.listeners, { kind: 'ws', port: 0, host: '127.0.0.1', path: '/mqtt' }] })}>
          Add WebSocket listener
        </button>
        <button
          type="button"
          className="quiet"
          data-testid="broker-add-tls"
          onClick={() =>
            setDraft({ ...draft, listeners: [...draft.listeners, { kind: 'tls', port: 0, host: '127.0.0.1', serverIdentityId: '', requireClientCertificate: false, useCertificateCnAsUsername: false }] })
          }
        >
          Add TLS listener
        </button>
        <button
          type="button"
          className="quiet"
          data-testid="broker-add-wss"
          onClick={() =>
            setDraft({ ...draft, listeners: [...draft.listeners, { kind: 'wss', port: 0, host: '127.0.0.1', path: '/mqtt', serverIdentityId: '', requireClientCertificate: false, useCertificateCnAsUsername: false }] })
          }
        >
          Add secure WebSocket listener
        </button>
        <button type="button" className="quiet" data-testid="broker-add-udp" title="MQTT over reliable UDP (mqtt-udp://), for devices on lossy links" onClick={() => setDraft({ ...draft, listeners: [...draft.listeners, { kind: 'udp', port: 0, host: '127.0.0.1', idleTimeoutSeconds: 60 }] })}>
          Add UDP listener
        </button>
        <button type="button" className="quiet" data-testid="broker-add-dtls" title="MQTT over DTLS 1.2 (mqtts-dtls://), with a server certificate from the store and the users' pre-shared keys" onClick={() => setDraft({ ...draft, listeners: [...draft.listeners, { kind: 'dtls', port: 0, host: '127.0.0.1', serverIdentityId: '', idleTimeoutSeconds: 60 }] })}>
          Add DTLS listener
        </button>
        <button type="button" className="primary" data-testid="broker-save" onClick={() => void save()}>
          Save{settings ? ' and apply' : ''}
        </button>
      </div>
      {pending ? (
        <AccessWarning
          pending={pending}
          onApply={() => {
            setPending(null);
            void pending.apply();
          }}
          onCancel={() => setPending(null)}
        />
      ) : null}
      <h3>Bridges</h3>
      {draft.bridges.map((b, i) => (
        <BridgeEditor
          key={i}
          bridge={b}
          onChange={(next) => setDraft((d) => ({ ...d, bridges: d.bridges.map((x, j) => (j === i ? next : x)) }))}
          onRemove={() => setDraft((d) => ({ ...d, bridges: d.bridges.filter((_, j) => j !== i) }))}
        />
      ))}
      <button
        type="button"
        data-testid="broker-add-bridge"
        onClick={() =>
          setDraft((d) => ({
            ...d,
            bridges: [...d.bridges, { name: `bridge-${d.bridges.length + 1}`, enabled: true, remoteUrl: 'mqtt://', topics: '# both 0', protocolVersion: 5, rejectUnauthorized: true }],
          }))
        }
      >
        Add bridge
      </button>
      {exposed ? (
        <p className="warn" role="alert" data-testid="broker-bind-warning">
          A listener binds beyond 127.0.0.1: other machines on your network will be able to connect{draft.allowAnonymous ? ', without a password' : ''}.
        </p>
      ) : null}
    </section>
  );
}

/** One bridge: remote URL, mosquitto-style topic lines, credentials. */
function BridgeEditor(props: { readonly bridge: BridgeSettings; readonly onChange: (b: BridgeSettings) => void; readonly onRemove: () => void }): React.JSX.Element {
  const b = props.bridge;
  const parsed = parseBridgeTopicLines(b.topics);
  const set = (change: Partial<BridgeSettings>): void => props.onChange({ ...b, ...change });
  return (
    <fieldset className="bridge-editor" data-testid="broker-bridge-editor">
      <label>
        Name <input aria-label="Bridge name" data-testid="bridge-name" value={b.name} onChange={(e) => set({ name: e.target.value })} />
      </label>
      <label>
        Remote broker <input aria-label="Remote broker URL" data-testid="bridge-url" value={b.remoteUrl} onChange={(e) => set({ remoteUrl: e.target.value })} />
      </label>
      <label>
        User <input aria-label="Bridge user name" data-testid="bridge-username" value={b.username ?? ''} onChange={(e) => set({ username: e.target.value || undefined })} />
      </label>
      <label>
        Password{' '}
        <input
          type="password"
          aria-label="Bridge password"
          data-testid="bridge-password"
          placeholder={b.passwordStored ? 'stored (type to replace)' : ''}
          value={b.password ?? ''}
          onChange={(e) => set({ password: e.target.value })}
        />
      </label>
      <label>
        <input type="checkbox" checked={b.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> enabled
      </label>
      <label className="topics">
        Topics, one per line: <code>pattern [in|out|both [qos [local-prefix remote-prefix]]]</code>
        <textarea aria-label="Bridge topics" data-testid="bridge-topics" rows={3} value={b.topics} spellCheck={false} onChange={(e) => set({ topics: e.target.value })} />
      </label>
      {!parsed.ok ? (
        <p className="error" role="alert" data-testid="bridge-topics-error">
          {parsed.message}
        </p>
      ) : null}
      <button type="button" className="danger" onClick={props.onRemove}>
        Remove bridge
      </button>
    </fieldset>
  );
}
