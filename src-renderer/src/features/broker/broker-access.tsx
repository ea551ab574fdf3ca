import { useEffect, useState } from 'react';
import { USER_AUTH_METHODS, type AccessChange, type BrokerSettings, type UserAuthMethodName } from '../../../../shared/ipc/broker';
import { TopiaryError } from '../../../../shared/ipc/errors';
import { AccessWarning, type PendingChange } from './access-warning';
import { Badge, Button } from '../../ui';
import { deleteBrokerPsk, deleteBrokerUser, exportBrokerUsers, fetchAcl, importBrokerUsers, previewAccess, setBrokerAcl, setBrokerPsk, setBrokerUser, type ActionNotice } from './actions';


/** Who may connect (users, stored as salted hashes) and what they may do (ACL, in mosquitto's acl_file format). */
export function BrokerAccess({ settings }: { readonly settings: BrokerSettings }): React.JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [methods, setMethods] = useState<readonly UserAuthMethodName[]>(USER_AUTH_METHODS);
  const [aclText, setAclText] = useState('');
  const [pskUser, setPskUser] = useState('');
  const [pskIdentity, setPskIdentity] = useState('');
  const [pskKey, setPskKey] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string; warning?: boolean } | null>(null);
  const [pending, setPending] = useState<PendingChange<string> | null>(null);

  useEffect(() => {
    void fetchAcl().then(setAclText);
  }, [settings.acl]);

  const run = async (work: () => Promise<string | ActionNotice>): Promise<void> => {
    try {
      const said = await work();
      setMessage(typeof said === 'string' ? { ok: true, text: said } : { ok: true, ...said });
    } catch (e) {
      setMessage({ ok: false, text: e instanceof TopiaryError ? e.message : String(e) });
    }
  };

  // A change that takes access away from a connected client (Topiary's own connection included) is shown first and
  // applied only when confirmed: one rule can otherwise lock everyone out without a word.
  const guarded = (change: AccessChange, what: string, apply: () => Promise<string>): Promise<void> =>
    run(async () => {
      setPending(null);
      const preview = await previewAccess(change);
      if (preview.losses.length === 0) return apply();
      setPending({ what, preview, apply });
      return 'Not applied yet: see who would lose access, then apply or cancel.';
    });

  return (
    <section className="broker-section broker-access" data-testid="broker-access">
      <h3>Users ({settings.users.length})</h3>
      <ul className="users" data-testid="broker-users">
        {settings.users.map((u) => (
          <li key={u.username} data-testid="broker-user" data-username={u.username}>
            <span className="mono">{u.username}</span>
            <span className="note" data-testid="broker-user-methods">
              {(u.authMethods ?? [...(u.passwordHash ? ['password'] : []), ...(u.scram ?? []).map((c) => c.mechanism)]).join(', ')}
            </span>
            {settings.pskIdentities
              .filter((p) => p.username === u.username)
              .map((p) => (
                <span key={p.identity} className="row" data-testid="broker-psk" data-identity={p.identity}>
                  <Badge tone="info" title="A DTLS pre-shared key is set for this identity; it is stored sealed and never shown">
                    PSK <span className="mono">{p.identity}</span>: set
                  </Badge>
                  <Button variant="quiet" size="sm" data-testid="broker-psk-remove" aria-label={`Remove the pre-shared key ${p.identity}`} onClick={() => void run(() => deleteBrokerPsk(p.identity))}>
                    Remove key
                  </Button>
                </span>
              ))}
            <button type="button" className="danger btn-sm" onClick={() => void guarded({ deleteUser: u.username }, `Removing ${u.username}`, () => deleteBrokerUser(u.username))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const said = await setBrokerUser(username, password, methods);
            setPassword('');
            return said;
          });
        }}
      >
        <input aria-label="New user name" placeholder="user" data-testid="broker-user-name" value={username} onChange={(e) => setUsername(e.target.value)} />
        <input aria-label="New user password" placeholder="password" type="password" data-testid="broker-user-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <span className="row" role="group" aria-label="Sign-in methods" title="How this user may prove who they are: a password in CONNECT, or MQTT 5 SCRAM (the password is never sent)">
          {USER_AUTH_METHODS.map((m) => (
            <label key={m}>
              <input
                type="checkbox"
                data-testid={`broker-user-method-${m}`}
                checked={methods.includes(m)}
                onChange={(e) => setMethods(e.target.checked ? USER_AUTH_METHODS.filter((x) => x === m || methods.includes(x)) : methods.filter((x) => x !== m))}
              />
              {m === 'password' ? 'Password' : m}
            </label>
          ))}
        </span>
        <button type="submit" className="primary" data-testid="broker-user-save" disabled={!username || !password || methods.length === 0}>
          Add or change user
        </button>
        <label className="file">
          Import password file
          <input
            type="file"
            data-testid="broker-users-import"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void run(() => importBrokerUsers(file));
            }}
          />
        </label>
        <button type="button" onClick={() => void run(exportBrokerUsers)}>
          Export password file
        </button>
      </form>
      {settings.users.length > 0 ? (
        <form
          className="row"
          aria-label="DTLS pre-shared key"
          title="A DTLS client that holds this key signs in as the user (mqtts-dtls://, TLS_PSK_WITH_AES_128_GCM_SHA256)"
          onSubmit={(e) => {
            e.preventDefault();
            const user = pskUser || settings.users[0]!.username;
            void run(async () => {
              const said = await setBrokerPsk(user, pskIdentity, pskKey);
              setPskKey('');
              return said;
            });
          }}
        >
          <label>
            DTLS pre-shared key for{' '}
            <select aria-label="User the pre-shared key belongs to" data-testid="broker-psk-user" value={pskUser || settings.users[0]!.username} onChange={(e) => setPskUser(e.target.value)}>
              {settings.users.map((u) => (
                <option key={u.username} value={u.username}>
                  {u.username}
                </option>
              ))}
            </select>
          </label>
          <input aria-label="PSK identity" placeholder="identity" data-testid="broker-psk-identity" value={pskIdentity} onChange={(e) => setPskIdentity(e.target.value)} />
          <input aria-label="Pre-shared key in hex" placeholder="key (hex)" type="password" autoComplete="off" data-testid="broker-psk-key" value={pskKey} onChange={(e) => setPskKey(e.target.value)} />
          <Button type="submit" data-testid="broker-psk-save" disabled={!pskIdentity || !pskKey}>
            Set key
          </Button>
        </form>
      ) : null}
      <h3>Access control</h3>
      <p className="note">
        mosquitto acl_file lines: <code>topic [read|write|readwrite|deny] T</code>, <code>user NAME</code>, <code>pattern … %u/%c</code>. Empty: everyone may do everything.
      </p>
      <textarea aria-label="ACL rules" data-testid="broker-acl" rows={5} spellCheck={false} value={aclText} onChange={(e) => setAclText(e.target.value)} />
      <div className="row">
        <button type="button" className="primary" data-testid="broker-acl-apply" onClick={() => void guarded({ aclText }, 'These rules', () => setBrokerAcl(aclText))}>
          Apply rules
        </button>
      </div>
      {pending ? (
        <AccessWarning
          pending={pending}
          onApply={() => {
            setPending(null);
            void run(pending.apply);
          }}
          onCancel={() => {
            setPending(null);
            setMessage({ ok: true, text: 'Nothing was changed.' });
          }}
        />
      ) : null}
      {message ? (
        <p
          className={message.warning ? 'warning' : message.ok ? 'ok' : 'error'}
          role={message.ok ? undefined : 'alert'}
          data-state={message.warning ? 'warning' : message.ok ? 'ok' : 'error'}
          data-testid="broker-access-message"
        >
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
