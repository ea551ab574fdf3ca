import { ArrowDown, ArrowUp, Copy, KeyRound, Pencil, Plug, Trash2, Unplug, Upload } from 'lucide-react';
import { ContextMenu } from 'radix-ui';
import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ImportedScripts, ProfileId, ProfileView } from '../../../../shared/ipc/profiles';
import { useStore } from '../../store/root-store';
import { Button, IconButton, Menu } from '../../ui';
import { activateConnection } from '../connections/actions';
import { clientIdLabel } from '../connections/connection-identity';
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
  const colour = useStore(connectionsSelectors.colourOf(live?.connectionId ?? ('' as ConnectionId)));
  const state = connecting ? 'connecting' : (live?.state ?? 'disconnected');
  const active = live !== null && live.connectionId === activeId;
  const actions = {
    connect: () => void connectProfile(profile.id),
    disconnect: () => (live ? void disconnectProfile(profile.id, live.connectionId) : undefined),
    edit: () => editProfile(profile),
    duplicate: () => void duplicateProfile(profile.id),
    up: () => void moveProfile(profile.id, profile.folder, index - 1),
    down: () => void moveProfile(profile.id, profile.folder, index + 1),
  };

  return (
    <ContextMenu.Root>
      <ContextMenu.Trigger asChild>
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
          {...(live ? { 'data-colour': colour, 'data-client-id': live.clientId } : {})}
        >
          <div className="conn-entry-main">
            <button
              type="button"
              className="profile-main"
              data-testid="profile-activate"
              title={live ? 'Show this connection' : `${profile.options.url} (double-click to connect)`}
              onClick={() => (live ? activateConnection(live.connectionId) : undefined)}
              onDoubleClick={() => (live ? undefined : actions.connect())}
            >
              {live ? <span className="conn-colour" style={{ background: colour }} aria-hidden="true" /> : null}
              <span className={`dot status-${state}`} data-testid="profile-status" data-state={state} title={STATE_LABEL[state]} />
              <span className="conn-entry-text">
                <span className="profile-name" data-testid="profile-name">
                  {profile.name}
                </span>
                <span className="conn-entry-detail">
                  <span className="profile-url">{profile.options.url}</span>
                  {live ? (
                    <span className="conn-client-id" data-testid="profile-client-id" title="Client id">
                      {clientIdLabel(live.clientId, live.clientIdAssigned)}
                    </span>
                  ) : null}
                </span>
              </span>
              <ProfileCertificateWarning profile={profile} />
            </button>
            <div className="row-actions">
              {live ? (
                <IconButton size="sm" icon={Unplug} label={`Disconnect ${profile.name}`} data-testid="profile-disconnect" onClick={actions.disconnect} />
              ) : (
                <IconButton size="sm" icon={Plug} label={`Connect ${profile.name}`} data-testid="profile-connect" disabled={connecting} onClick={actions.connect} />
              )}
              <div className="row-toolbar" role="toolbar" aria-label={`Actions for ${profile.name}`}>
                {live?.state === 'connected' && live.authMethod ? (
                  <IconButton size="sm" icon={KeyRound} label={`Re-authenticate ${profile.name}`} data-testid="profile-reauthenticate" onClick={() => void reauthenticateProfile(profile.id, live.connectionId)} />
                ) : null}
                <IconButton size="sm" icon={Pencil} label={`Edit ${profile.name}`} data-testid="profile-edit" onClick={actions.edit} />
                <IconButton size="sm" icon={Copy} label={`Duplicate ${profile.name}`} data-testid="profile-duplicate" onClick={actions.duplicate} />
                <IconButton size="sm" icon={ArrowUp} label="Move up" data-testid="profile-move-up" disabled={index === 0} onClick={actions.up} />
                <IconButton size="sm" icon={ArrowDown} label="Move down" data-testid="profile-move-down" disabled={index === count - 1} onClick={actions.down} />
                {confirmDelete ? (
                  <button type="button" className="danger icon-confirm" data-testid="profile-delete-confirm" onClick={() => void deleteProfile(profile.id)} onBlur={() => setConfirmDelete(false)} autoFocus>
                    Delete?
                  </button>
                ) : (
                  <IconButton size="sm" icon={Trash2} label={`Delete ${profile.name}`} data-testid="profile-delete" onClick={() => setConfirmDelete(true)} />
                )}
              </div>
            </div>
          </div>
          {error ? (
            <div className="error" role="alert" data-testid="profile-error" data-code={error.code}>
              <strong>{error.code}</strong> {error.message}
            </div>
          ) : null}
        </li>
      </ContextMenu.Trigger>
      <ContextMenu.Portal>
        <ContextMenu.Content className="menu" data-testid="profile-menu" onCloseAutoFocus={(e) => e.preventDefault()}>
          {live ? (
            <ContextMenu.Item className="menu-item" onSelect={actions.disconnect}>
              Disconnect
            </ContextMenu.Item>
          ) : (
            <ContextMenu.Item className="menu-item" disabled={connecting} onSelect={actions.connect}>
              Connect
            </ContextMenu.Item>
          )}
          <ContextMenu.Item className="menu-item" data-testid="profile-menu-edit" onSelect={actions.edit}>
            Edit…
          </ContextMenu.Item>
          <ContextMenu.Item className="menu-item" data-testid="profile-menu-duplicate" onSelect={actions.duplicate}>
            Duplicate
          </ContextMenu.Item>
          <ContextMenu.Item className="menu-item" disabled={index === 0} onSelect={actions.up}>
            Move up
          </ContextMenu.Item>
          <ContextMenu.Item className="menu-item" disabled={index === count - 1} onSelect={actions.down}>
            Move down
          </ContextMenu.Item>
          <ContextMenu.Separator className="menu-separator" />
          <ContextMenu.Item className="menu-item danger" data-testid="profile-menu-delete" onSelect={() => setConfirmDelete(true)}>
            Delete…
          </ContextMenu.Item>
        </ContextMenu.Content>
      </ContextMenu.Portal>
    </ContextMenu.Root>
  );
}

/** A hidden file input for one import format, opened from the Import menu (tests hand it files directly). */
function ImportInput({ testId, inputRef, onText }: { testId: string; inputRef: React.RefObject<HTMLInputElement | null>; onText: (text: string) => void }): React.JSX.Element {
  return (
    <input
      ref={inputRef}
      type="file"
      hidden
      accept=".json,application/json"
      data-testid={testId}
      onChange={(e) => {
        const file = e.target.files?.[0];
        e.target.value = '';
        if (file) void file.text().then(onText);
      }}
    />
  );
}

/** Import: one button whose menu names the formats, each opening a file chooser; reachable by keyboard. */
function ImportMenu(): React.JSX.Element {
  const topiary = useRef<HTMLInputElement>(null);
  const foreign = useRef<HTMLInputElement>(null);
  return (
    <>
      <Menu
        label="Import connections"
        testId="profiles-import-menu"
        align="start"
        trigger={
          <Button data-testid="profiles-import-button">
            <Upload aria-hidden="true" size={14} strokeWidth={1.75} />
            Import…
          </Button>
        }
        items={[
          { label: 'Topiary export…', testId: 'profiles-import-topiary-item', onSelect: () => topiary.current?.click() },
          { label: 'MQTTX or MQTT Explorer export…', testId: 'profiles-import-foreign-item', onSelect: () => foreign.current?.click() },
        ]}
      />
      <ImportInput testId="profiles-import" inputRef={topiary} onText={(text) => void importProfiles(text, 'topiary')} />
      <ImportInput testId="profiles-import-foreign" inputRef={foreign} onText={(text) => void importProfiles(text, 'foreign')} />
    </>
  );
}

/** "2 decoder bindings, 1 auto-responder (switched off) and 1 simulation (stopped)": what an import added beside its profiles. */
function scriptsSummary(scripts: ImportedScripts): string {
  const parts = [
    scripts.decoderBindings > 0 ? `${scripts.decoderBindings} decoder ${scripts.decoderBindings === 1 ? 'binding' : 'bindings'}` : '',
    scripts.responders > 0 ? `${scripts.responders} auto-${scripts.responders === 1 ? 'responder' : 'responders'} (switched off)` : '',
    scripts.simulations > 0 ? `${scripts.simulations} ${scripts.simulations === 1 ? 'simulation' : 'simulations'} (stopped)` : '',
  ].filter((p) => p !== '');
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
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
          <ImportMenu />
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
            {lastImport.scripts && scriptsSummary(lastImport.scripts) !== '' ? (
              <span data-testid="import-summary-scripts" data-simulations={lastImport.scripts.simulations}>
                {`, with ${scriptsSummary(lastImport.scripts)}`}
              </span>
            ) : null}
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
