import { useEffect, useState } from 'react';
import type { ProfileId, ProfileView } from '../../../../shared/ipc/profiles';
import { useStore } from '../../store/root-store';
import { activateConnection } from '../connections/actions';
import { connectionsSelectors } from '../connections/selectors';
import {
  connectProfile,
  deleteProfile,
  disconnectProfile,
  reauthenticateProfile,
  dismissImportSummary,
  duplicateProfile,
  editProfile,
  exportProfiles,
  importProfiles,
  listenToProfiles,
  moveProfile,
} from './actions';
import { LiveConnections } from './live-connections';
import { ProfileCertificateWarning } from './profile-certificate-warning';
import { ProfileEditor } from './profile-editor';
import { profileSelectors } from './selectors';
import './profiles.css';

const DRAG_TYPE = 'application/x-topiary-profile';

const STATE_LABEL: Readonly<Record<string, string>> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Not connected',
  error: 'Error',
};

function ProfileRow({ profile, index, count }: { profile: ProfileView; index: number; count: number }): React.JSX.Element {
  const list = useStore(profileSelectors.list);
  const connecting = useStore(profileSelectors.connectingOf(profile.id));
  const error = useStore(profileSelectors.errorOf(profile.id));
  const connections = useStore(connectionsSelectors.byId);
  const activeId = useStore(connectionsSelectors.activeId);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [dropTarget, setDropTarget] = useState(false);
  const live = profileSelectors.liveConnectionOf(list, connections, profile.id);
  const state = connecting ? 'connecting' : (live?.state ?? 'disconnected');
  const active = live !== null && live.connectionId === activeId;

  return (
    <li
      className={`profile-row${active ? ' active' : ''}${dropTarget ? ' drop-target' : ''}`}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_TYPE, profile.id);
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
        e.preventDefault();
        setDropTarget(true);
      }}
      onDragLeave={() => setDropTarget(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setDropTarget(false);
        const dragged = e.dataTransfer.getData(DRAG_TYPE) as ProfileId;
        // Dropped on a row: take that row's place in its folder.
        if (dragged && dragged !== profile.id) void moveProfile(dragged, profile.folder, index);
      }}
      data-testid="profile-row"
      data-profile-id={profile.id}
      data-name={profile.name}
      data-state={state}
      data-active={active ? 'true' : 'false'}
    >
      <button
        type="button"
        className="profile-main"
        data-testid="profile-activate"
        title={live ? 'Show this connection' : profile.options.url}
        onClick={() => (live ? activateConnection(live.connectionId) : undefined)}
        onDoubleClick={() => (live ? undefined : void connectProfile(profile.id))}
      >
        <span className={`dot status-${state}`} data-testid="profile-status" data-state={state} title={STATE_LABEL[state]} />
        <span className="profile-name" data-testid="profile-name">
          {profile.name}
        </span>
        <span className="profile-url">{profile.options.url}</span>
        <ProfileCertificateWarning profile={profile} />
      </button>
      <div className="profile-actions">
        {live?.state === 'connected' && live.authMethod ? (
          <button
            type="button"
            className="secondary"
            data-testid="profile-reauthenticate"
            title={`Prove the user again on this connection (${live.authMethod} re-authentication)`}
            onClick={() => void reauthenticateProfile(profile.id, live.connectionId)}
          >
            Re-authenticate
          </button>
        ) : null}
        {live ? (
          <button type="button" data-testid="profile-disconnect" onClick={() => void disconnectProfile(profile.id, live.connectionId)}>
            Disconnect
          </button>
        ) : (
          <button type="button" data-testid="profile-connect" disabled={connecting} onClick={() => void connectProfile(profile.id)}>
            {connecting ? 'Connecting…' : 'Connect'}
          </button>
        )}
        <button type="button" className="secondary" data-testid="profile-edit" onClick={() => editProfile(profile)}>
          Edit
        </button>
        <button type="button" className="secondary" data-testid="profile-duplicate" onClick={() => void duplicateProfile(profile.id)}>
          Duplicate
        </button>
        <button type="button" className="secondary" data-testid="profile-move-up" disabled={index === 0} onClick={() => void moveProfile(profile.id, profile.folder, index - 1)} aria-label="Move up">
          ↑
        </button>
        <button type="button" className="secondary" data-testid="profile-move-down" disabled={index === count - 1} onClick={() => void moveProfile(profile.id, profile.folder, index + 1)} aria-label="Move down">
          ↓
        </button>
        {confirmDelete ? (
          <button type="button" className="danger" data-testid="profile-delete-confirm" onClick={() => void deleteProfile(profile.id)} onBlur={() => setConfirmDelete(false)}>
            Delete?
          </button>
        ) : (
          <button type="button" className="secondary" data-testid="profile-delete" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </div>
      {error ? (
        <div className="error" role="alert" data-testid="profile-error" data-code={error.code}>
          <strong>{error.code}</strong> {error.message}
        </div>
      ) : null}
    </li>
  );
}

function FileButton({ label, testId, onText }: { label: string; testId: string; onText: (text: string) => void }): React.JSX.Element {
  return (
    <label className="file-button">
      {label}
      <input
        type="file"
        accept=".json,application/json"
        data-testid={testId}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void file.text().then(onText);
        }}
      />
    </label>
  );
}

/** The connections sidebar: saved profiles by folder with live status, and the profile editor. */
export function ConnectionsPanel(): React.JSX.Element {
  const list = useStore(profileSelectors.list);
  const secretStore = useStore(profileSelectors.secretStore);
  const editing = useStore(profileSelectors.editing);
  const panelError = useStore(profileSelectors.errorOf(''));
  const lastImport = useStore(profileSelectors.lastImport);
  const [withSecrets, setWithSecrets] = useState(false);
  useEffect(listenToProfiles, []);
  const groups = profileSelectors.byFolder(list);

  return (
    <aside className="connections-panel" data-testid="connections-panel" data-ready={list ? 'true' : 'false'}>
      <div className="pane-title">
        Connections
        <button type="button" data-testid="profiles-new" onClick={() => editProfile('new')}>
          New
        </button>
      </div>
      {list?.notice ? (
        <div className="error" role="alert" data-testid="profiles-notice" data-code={list.notice.code}>
          {list.notice.message}
        </div>
      ) : null}
      <div className="profiles-scroll">
        <LiveConnections />
        {list && list.profiles.length === 0 ? <p className="note" data-testid="profiles-empty">No saved connections yet. Create one, or import from MQTTX or MQTT Explorer.</p> : null}
        {groups.map(([folder, profiles]) => (
          <section
            key={folder}
            className="profile-folder"
            data-testid="profile-folder"
            data-folder={folder}
            onDragOver={(e) => {
              if (e.dataTransfer.types.includes(DRAG_TYPE)) e.preventDefault();
            }}
            onDrop={(e) => {
              e.preventDefault();
              const dragged = e.dataTransfer.getData(DRAG_TYPE) as ProfileId;
              // Dropped on the folder itself (its title or below its rows): last in that folder.
              if (dragged) void moveProfile(dragged, folder, profiles.length);
            }}
          >
            <h3 data-testid="profile-folder-title">{folder || 'No folder'}</h3>
            <ul>
              {profiles.map((p, i) => (
                <ProfileRow key={p.id} profile={p} index={i} count={profiles.length} />
              ))}
            </ul>
          </section>
        ))}
      </div>
      <div className="profiles-footer">
        <div className="profiles-io">
          <FileButton label="Import" testId="profiles-import" onText={(text) => void importProfiles(text, 'topiary')} />
          <FileButton label="Import from MQTTX / MQTT Explorer" testId="profiles-import-foreign" onText={(text) => void importProfiles(text, 'foreign')} />
          <button type="button" className="secondary" data-testid="profiles-export" onClick={() => void exportProfiles(withSecrets)}>
            Export
          </button>
          <label className="profile-check" title="Secrets are written in plain text; keep the file safe.">
            <input type="checkbox" data-testid="profiles-export-secrets" checked={withSecrets} onChange={(e) => setWithSecrets(e.target.checked)} />
            with secrets
          </label>
        </div>
        {lastImport ? (
          <div className="import-summary" data-testid="import-summary" data-imported={lastImport.imported.length} data-skipped={lastImport.skipped.length}>
            Imported {lastImport.imported.length} from {lastImport.format}
            {lastImport.skipped.length > 0 ? `; skipped ${lastImport.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : ''}
            {lastImport.warnings.length > 0 ? (
              <ul>
                {lastImport.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            ) : null}
            <button type="button" className="link" data-testid="import-summary-dismiss" onClick={dismissImportSummary}>
              dismiss
            </button>
          </div>
        ) : null}
        {panelError ? (
          <div className="error" role="alert" data-testid="profiles-error" data-code={panelError.code}>
            <strong>{panelError.code}</strong> {panelError.message}
          </div>
        ) : null}
        {secretStore ? (
          <p className="note secret-store" data-testid="secret-store-info" data-kind={secretStore.kind} title={secretStore.description}>
            Secrets: {secretStore.description}
          </p>
        ) : null}
      </div>
      {editing ? <ProfileEditor key={editing === 'new' ? 'new' : editing.id} profile={editing} /> : null}
    </aside>
  );
}
