import { useEffect, useState, type FormEvent } from 'react';
import type { CertificateEntryView } from '../../../../shared/ipc/certificates';
import { AUTH_METHODS } from '../../../../shared/ipc/connections';
import type { ProfileView } from '../../../../shared/ipc/profiles';
import { isSecureScheme, parseBrokerUrl } from '../../../../shared/mqtt/broker-url';
import { TransportSelect } from './transport-select';
import { fetchStoredCertificates } from '../certificates/actions';
import { editProfile, saveProfile } from './actions';
import { draftFromProfile, EMPTY_DRAFT, optionsFromDraft, pskKeyProblem, usesPsk, type ProfileDraft } from './profile-draft';
import { profileSelectors } from './selectors';
import { useStore } from '../../store/root-store';
import { useDialogFocus } from '../../ui/use-dialog-focus';

type Update = <K extends keyof ProfileDraft>(key: K, value: ProfileDraft[K]) => void;

interface FieldProps {
  readonly label: string;
  readonly testId: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly type?: 'text' | 'password' | 'number';
  readonly placeholder?: string;
  readonly multiline?: boolean;
}

function Field({ label, testId, value, onChange, type = 'text', placeholder, multiline }: FieldProps): React.JSX.Element {
  return (
    <label className="profile-field">
      <span>{label}</span>
      {multiline ? (
        <textarea data-testid={testId} value={value} placeholder={placeholder} spellCheck={false} rows={4} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input data-testid={testId} type={type} value={value} placeholder={placeholder} spellCheck={false} autoComplete="off" onChange={(e) => onChange(e.target.value)} />
      )}
    </label>
  );
}

function Check({ label, testId, checked, onChange }: { label: string; testId: string; checked: boolean; onChange: (v: boolean) => void }): React.JSX.Element {
  return (
    <label className="profile-check">
      <input type="checkbox" data-testid={testId} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

/** A secret input: never shows the stored value, says one is stored, and can forget it. */
function SecretField(props: { label: string; testId: string; path: string; draft: ProfileDraft; stored: readonly string[]; value: string; onChange: (v: string) => void; update: Update; multiline?: boolean }): React.JSX.Element {
  const isStored = props.stored.includes(props.path) && !props.draft.clearSecrets.includes(props.path);
  return (
    <div className="profile-secret">
      <Field
        label={props.label}
        testId={props.testId}
        type={props.multiline ? 'text' : 'password'}
        multiline={props.multiline ?? false}
        value={props.value}
        placeholder={isStored ? 'stored — leave empty to keep' : ''}
        onChange={props.onChange}
      />
      {isStored ? (
        <span className="secret-stored" data-testid={`${props.testId}-stored`}>
          stored sealed
          <button type="button" className="link" data-testid={`${props.testId}-forget`} onClick={() => props.update('clearSecrets', [...props.draft.clearSecrets, props.path])}>
            forget
          </button>
        </span>
      ) : null}
    </div>
  );
}

/** The profile form: basic fields first, TLS, then advanced options (will, MQTT 5 properties, reconnect, failover). */
export function ProfileEditor({ profile }: { profile: ProfileView | 'new' }): React.JSX.Element {
  const [draft, setDraft] = useState<ProfileDraft>(() => (profile === 'new' ? EMPTY_DRAFT : draftFromProfile(profile)));
  const [advanced, setAdvanced] = useState(false);
  const [saving, setSaving] = useState(false);
  const [storedCertificates, setStoredCertificates] = useState<readonly CertificateEntryView[]>([]);
  useEffect(() => {
    let live = true;
    // The store is optional for a profile: without it the PEM fields still work.
    fetchStoredCertificates()
      .then((entries) => {
        if (live) setStoredCertificates(entries);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  const storeCas = storedCertificates.filter((e) => e.kind === 'trusted-ca');
  const storeIdentities = storedCertificates.filter((e) => e.kind === 'client-identity');
  const error = useStore(profileSelectors.errorOf('editor'));
  const stored = profile === 'new' ? [] : profile.secrets;
  const update: Update = (key, value) => setDraft((d) => ({ ...d, [key]: value }));
  const urlCheck = parseBrokerUrl(draft.url);
  const secure = urlCheck.ok && isSecureScheme(urlCheck.url.scheme);
  const dtls = urlCheck.ok && urlCheck.url.scheme === 'mqtts-dtls';
  const psk = usesPsk(draft);
  const pskProblem = psk ? pskKeyProblem(draft.tlsPsk) : undefined;

  const onSubmit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    await saveProfile({
      ...(draft.id ? { id: draft.id } : {}),
      name: draft.name,
      folder: draft.folder,
      options: optionsFromDraft(draft),
      // A plain mqtt:// or ws:// profile keeps no TLS key material; a PSK profile keeps no certificate key, and back.
      clearSecrets: [
        ...draft.clearSecrets,
        ...(secure ? [] : stored.filter((path) => path.startsWith('tls.'))),
        ...(secure && psk ? stored.filter((path) => path.startsWith('tls.') && path !== 'tls.psk') : []),
        ...(secure && !psk ? stored.filter((path) => path === 'tls.psk') : []),
      ],
    });
    setSaving(false);
  };

  const dialog = useDialogFocus<HTMLFormElement>(() => editProfile(null));

  const onPkcs12 = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    setDraft((d) => ({ ...d, tlsPkcs12: bytes, tlsPkcs12Name: file.name }));
  };

  return (
    <div className="profile-editor-backdrop">
      <form ref={dialog} className="profile-editor" data-testid="profile-editor" role="dialog" aria-modal="true" aria-labelledby="profile-editor-title" onSubmit={(e) => void onSubmit(e)}>
        <h2 id="profile-editor-title">{profile === 'new' ? 'New connection profile' : `Edit ${profile.name}`}</h2>
        <div className="profile-grid">
          <Field label="Name" testId="profile-name-input" value={draft.name} onChange={(v) => update('name', v)} placeholder="Plant broker" />
          <Field label="Folder" testId="profile-folder-input" value={draft.folder} onChange={(v) => update('folder', v)} placeholder="e.g. Plant/Line 1" />
          <Field label="Broker URL" testId="profile-url" value={draft.url} onChange={(v) => update('url', v)} placeholder="mqtts://host:8883" />
          <TransportSelect url={draft.url} onChange={(v) => update('url', v)} />
          <label className="profile-field">
            <span>MQTT version</span>
            <select data-testid="profile-version" value={draft.protocolVersion} onChange={(e) => update('protocolVersion', e.target.value as ProfileDraft['protocolVersion'])}>
              <option value="5">MQTT 5.0</option>
              <option value="4">MQTT 3.1.1</option>
              <option value="3">MQTT 3.1</option>
            </select>
          </label>
          <Field label="Client id" testId="profile-client-id" value={draft.clientId} onChange={(v) => update('clientId', v)} placeholder="assigned by the broker when empty" />
          <Field label="User name" testId="profile-username" value={draft.username} onChange={(v) => update('username', v)} />
          <SecretField label="Password" testId="profile-password" path="password" draft={draft} stored={stored} value={draft.password} onChange={(v) => update('password', v)} update={update} />
          <label className="profile-field">
            <span>Authentication</span>
            <select
              data-testid="profile-auth-method"
              value={draft.authMethod}
              onChange={(e) => update('authMethod', e.target.value as ProfileDraft['authMethod'])}
              title="SCRAM (MQTT 5 only) proves the password without sending it, and checks that the broker knows it too"
            >
              <option value="">Password in CONNECT</option>
              {AUTH_METHODS.map((m) => (
                <option key={m} value={m}>
                  {m} (MQTT 5)
                </option>
              ))}
            </select>
          </label>
          {draft.authMethod && draft.protocolVersion !== '5' ? (
            <div className="error" data-testid="profile-auth-method-error">
              {draft.authMethod} is MQTT 5 enhanced authentication: choose MQTT 5.0.
            </div>
          ) : null}
          <Field label="Subscriptions (filter qos, one per line)" testId="profile-subscriptions" value={draft.subscriptions} onChange={(v) => update('subscriptions', v)} multiline />
        </div>
        {!urlCheck.ok && draft.url.length > 0 ? (
          <div className="error" data-testid="profile-url-error">
            {urlCheck.message}
          </div>
        ) : null}

        {secure ? (
          <fieldset className="profile-section" data-testid="profile-tls">
            <legend>TLS</legend>
            {dtls ? (
              <label className="profile-field">
                <span>Secure the session with</span>
                <select data-testid="profile-tls-auth" value={draft.tlsAuth} onChange={(e) => update('tlsAuth', e.target.value as ProfileDraft['tlsAuth'])}>
                  <option value="certificate">Certificates</option>
                  <option value="psk">Pre-shared key</option>
                </select>
              </label>
            ) : null}
            {psk ? (
              <>
                <Field label="PSK identity" testId="profile-tls-psk-identity" value={draft.tlsPskIdentity} onChange={(v) => update('tlsPskIdentity', v)} placeholder="the identity the broker knows the key by" />
                <SecretField label="Pre-shared key (hex)" testId="profile-tls-psk" path="tls.psk" draft={draft} stored={stored} value={draft.tlsPsk} onChange={(v) => update('tlsPsk', v)} update={update} />
                {pskProblem ? (
                  <div className="error" data-testid="profile-tls-psk-error">
                    {pskProblem}
                  </div>
                ) : null}
              </>
            ) : (
              <>
                <Field label="Trusted CA certificates (PEM)" testId="profile-tls-ca" value={draft.tlsCa} onChange={(v) => update('tlsCa', v)} multiline placeholder="-----BEGIN CERTIFICATE-----" />
                {storeCas.length > 0 ? (
                  <fieldset className="profile-store-cas" data-testid="profile-tls-store-cas">
                    <legend>Trusted CAs from the certificate store</legend>
                    {storeCas.map((entry) => (
                      <Check
                        key={entry.id}
                        label={`${entry.label} (${entry.expiry.state})`}
                        testId={`profile-tls-ca-id-${entry.id}`}
                        checked={draft.tlsCaIds.includes(entry.id)}
                        onChange={(on) => update('tlsCaIds', on ? [...draft.tlsCaIds, entry.id] : draft.tlsCaIds.filter((id) => id !== entry.id))}
                      />
                    ))}
                  </fieldset>
                ) : null}
                {storeIdentities.length > 0 || draft.tlsIdentityId ? (
                  <label className="profile-field">
                    <span>Client identity from the certificate store</span>
                    <select data-testid="profile-tls-identity" value={draft.tlsIdentityId} onChange={(e) => update('tlsIdentityId', e.target.value)}>
                      <option value="">none</option>
                      {storeIdentities.map((entry) => (
                        <option key={entry.id} value={entry.id}>
                          {entry.label}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : null}
                <Check label="Also trust the system's CAs" testId="profile-tls-system-ca" checked={draft.tlsSystemCa} onChange={(v) => update('tlsSystemCa', v)} />
                <Check label="Verify the broker's certificate" testId="profile-tls-verify" checked={draft.tlsRejectUnauthorized} onChange={(v) => update('tlsRejectUnauthorized', v)} />
                <Field label="Server name (SNI)" testId="profile-tls-servername" value={draft.tlsServername} onChange={(v) => update('tlsServername', v)} placeholder="the URL's host" />
                <Field label="Client certificate (PEM)" testId="profile-tls-cert" value={draft.tlsCert} onChange={(v) => update('tlsCert', v)} multiline />
                <SecretField label="Client private key (PEM)" testId="profile-tls-key" path="tls.key" draft={draft} stored={stored} value={draft.tlsKey} onChange={(v) => update('tlsKey', v)} update={update} multiline />
                <SecretField label="Key passphrase" testId="profile-tls-key-passphrase" path="tls.keyPassphrase" draft={draft} stored={stored} value={draft.tlsKeyPassphrase} onChange={(v) => update('tlsKeyPassphrase', v)} update={update} />
                <label className="profile-field">
                  <span>PKCS#12 bundle {draft.tlsPkcs12Name ? `(${draft.tlsPkcs12Name})` : stored.includes('tls.pkcs12') ? '(stored sealed)' : ''}</span>
                  <input type="file" data-testid="profile-tls-pkcs12" accept=".p12,.pfx" onChange={(e) => void onPkcs12(e.target.files?.[0])} />
                </label>
                <SecretField label="PKCS#12 password" testId="profile-tls-pkcs12-password" path="tls.pkcs12Password" draft={draft} stored={stored} value={draft.tlsPkcs12Password} onChange={(v) => update('tlsPkcs12Password', v)} update={update} />
              </>
            )}
          </fieldset>
        ) : null}

        <button type="button" className="link" data-testid="profile-advanced-toggle" onClick={() => setAdvanced((a) => !a)}>
          {advanced ? 'Hide advanced options' : 'Show advanced options'}
        </button>
        {advanced ? (
          <div data-testid="profile-advanced">
            <fieldset className="profile-section">
              <legend>Session</legend>
              <Check label="Clean start" testId="profile-clean" checked={draft.clean} onChange={(v) => update('clean', v)} />
              <Field label="Keep alive (s)" testId="profile-keepalive" type="number" value={draft.keepalive} onChange={(v) => update('keepalive', v)} />
              <Field label="Connect timeout (s)" testId="profile-connect-timeout" type="number" value={draft.connectTimeoutSeconds} onChange={(v) => update('connectTimeoutSeconds', v)} />
              <Field label="Session expiry (s, MQTT 5)" testId="profile-session-expiry" type="number" value={draft.sessionExpiryInterval} onChange={(v) => update('sessionExpiryInterval', v)} />
              <Field label="Failover brokers (one URL per line)" testId="profile-failover" value={draft.urls} onChange={(v) => update('urls', v)} multiline />
            </fieldset>
            <fieldset className="profile-section">
              <legend>Reconnect</legend>
              <Check label="Reconnect automatically" testId="profile-reconnect" checked={draft.reconnectEnabled} onChange={(v) => update('reconnectEnabled', v)} />
              <Field label="First delay (ms)" testId="profile-reconnect-initial" type="number" value={draft.reconnectInitialMs} onChange={(v) => update('reconnectInitialMs', v)} />
              <Field label="Longest delay (ms)" testId="profile-reconnect-max" type="number" value={draft.reconnectMaxMs} onChange={(v) => update('reconnectMaxMs', v)} />
              <Field label="Attempts (0 = no limit)" testId="profile-reconnect-attempts" type="number" value={draft.reconnectMaxAttempts} onChange={(v) => update('reconnectMaxAttempts', v)} />
            </fieldset>
            <fieldset className="profile-section">
              <legend>Last will</legend>
              <Field label="Topic" testId="profile-will-topic" value={draft.willTopic} onChange={(v) => update('willTopic', v)} />
              <Field label="Payload" testId="profile-will-payload" value={draft.willPayload} onChange={(v) => update('willPayload', v)} />
              <label className="profile-field">
                <span>QoS</span>
                <select data-testid="profile-will-qos" value={draft.willQos} onChange={(e) => update('willQos', e.target.value as ProfileDraft['willQos'])}>
                  <option value="0">0</option>
                  <option value="1">1</option>
                  <option value="2">2</option>
                </select>
              </label>
              <Check label="Retain" testId="profile-will-retain" checked={draft.willRetain} onChange={(v) => update('willRetain', v)} />
            </fieldset>
            <fieldset className="profile-section">
              <legend>MQTT 5 properties</legend>
              <Field label="Receive maximum" testId="profile-receive-maximum" type="number" value={draft.receiveMaximum} onChange={(v) => update('receiveMaximum', v)} />
              <Field label="Maximum packet size" testId="profile-maximum-packet-size" type="number" value={draft.maximumPacketSize} onChange={(v) => update('maximumPacketSize', v)} />
              <Field label="Topic alias maximum" testId="profile-topic-alias-maximum" type="number" value={draft.topicAliasMaximum} onChange={(v) => update('topicAliasMaximum', v)} />
              <Check label="Request response information" testId="profile-request-response-info" checked={draft.requestResponseInformation} onChange={(v) => update('requestResponseInformation', v)} />
              <Check label="Request problem information" testId="profile-request-problem-info" checked={draft.requestProblemInformation} onChange={(v) => update('requestProblemInformation', v)} />
              <Field label="User properties (name=value per line)" testId="profile-user-properties" value={draft.userProperties} onChange={(v) => update('userProperties', v)} multiline />
            </fieldset>
          </div>
        ) : null}

        {error ? (
          <div className="error" role="alert" data-testid="profile-editor-error" data-code={error.code}>
            <strong>{error.code}</strong> {error.message}
          </div>
        ) : null}
        <div className="profile-editor-actions">
          <button type="submit" data-testid="profile-save" disabled={saving || pskProblem !== undefined}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="secondary" data-testid="profile-cancel" onClick={() => editProfile(null)}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
