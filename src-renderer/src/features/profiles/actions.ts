import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ProfileId, ProfilesList, ProfileView, SaveProfileArgs } from '../../../../shared/ipc/profiles';
import { core } from '../../ipc/core-client';
import { toErrorData } from '../../lib/error-data';
import { saveFile } from '../../lib/save-file';
import { setSlice } from '../../store/root-store';
import { activateConnection, connectionChanged, disconnect } from '../connections/actions';

function setError(key: string, error: ErrorData | null): void {
  setSlice('profiles', (s) => {
    const { [key]: _old, ...rest } = s.errors;
    return { errors: error ? { ...rest, [key]: error } : rest };
  });
}

function listChanged(list: ProfilesList): void {
  setSlice('profiles', { list });
}

let listening = false;

/** Loads profiles and the vault description, and follows changes made in other windows; once per page. */
export function listenToProfiles(): void {
  if (listening) return;
  listening = true;
  core.on('profiles.changed', listChanged);
  void Promise.all([core.invoke('profiles.list', {}), core.invoke('profiles.getSecretStore', {})])
    .then(([list, secretStore]) => setSlice('profiles', { list, secretStore }))
    .catch((error: unknown) => setError('', toErrorData(error)));
}

export function editProfile(profile: ProfileView | 'new' | null): void {
  setSlice('profiles', { editing: profile });
  setError('editor', null);
}

/** Saves the editor's profile; on success the editor closes, on failure the error shows in it. */
export async function saveProfile(args: SaveProfileArgs): Promise<ProfileId | null> {
  try {
    const { id, list } = await core.invoke('profiles.save', args);
    setSlice('profiles', { list, editing: null });
    setError('editor', null);
    return id;
  } catch (error) {
    setError('editor', toErrorData(error));
    return null;
  }
}

async function run(key: string, work: () => Promise<ProfilesList | null>): Promise<void> {
  try {
    const list = await work();
    if (list) listChanged(list);
    setError(key, null);
  } catch (error) {
    setError(key, toErrorData(error));
  }
}

export function duplicateProfile(id: ProfileId): Promise<void> {
  return run(id, async () => (await core.invoke('profiles.duplicate', { id })).list);
}

export function deleteProfile(id: ProfileId): Promise<void> {
  // The new list arrives as profiles.changed.
  return run(id, async () => {
    await core.invoke('profiles.delete', { id });
    return null;
  });
}

export function moveProfile(id: ProfileId, folder: string, index: number): Promise<void> {
  return run(id, () => core.invoke('profiles.move', { id, folder, index }));
}

/** Connects from a profile and makes the new connection the active one (each keeps its own tree). */
export async function connectProfile(id: ProfileId): Promise<void> {
  setSlice('profiles', (s) => ({ connecting: { ...s.connecting, [id]: true } }));
  setError(id, null);
  try {
    const info = await core.invoke('profiles.connect', { id });
    connectionChanged(info);
    activateConnection(info.connectionId);
    // The core pushes profiles.changed too; this keeps the row live even if that push is slower.
    listChanged(await core.invoke('profiles.list', {}));
  } catch (error) {
    setError(id, toErrorData(error));
  } finally {
    setSlice('profiles', (s) => ({ connecting: { ...s.connecting, [id]: false } }));
  }
}

/** Proves the profile's user again on its live connection (MQTT 5 re-authentication); a refusal shows on the row. */
export async function reauthenticateProfile(id: ProfileId, connectionId: ConnectionId): Promise<void> {
  setError(id, null);
  try {
    connectionChanged(await core.invoke('connections.reauthenticate', { connectionId }));
  } catch (error) {
    setError(id, toErrorData(error));
  }
}

export async function disconnectProfile(id: ProfileId, connectionId: ConnectionId): Promise<void> {
  try {
    await disconnect(connectionId);
  } catch (error) {
    setError(id, toErrorData(error));
  }
}

export async function importProfiles(text: string, source: 'topiary' | 'foreign'): Promise<void> {
  try {
    const result = source === 'topiary' ? await core.invoke('profiles.import', { text }) : await core.invoke('profiles.importForeign', { text });
    const { list, ...summary } = result;
    setSlice('profiles', { list, lastImport: summary });
    setError('', null);
  } catch (error) {
    setError('', toErrorData(error));
  }
}

/** Asks the core for the export and hands it to the browser as a download. */
export async function exportProfiles(includeSecrets: boolean): Promise<void> {
  try {
    const result = await core.invoke('profiles.export', { includeSecrets });
    saveFile(result.fileName, result.text, 'application/json');
    setError('', null);
  } catch (error) {
    setError('', toErrorData(error));
  }
}

export function dismissImportSummary(): void {
  setSlice('profiles', { lastImport: null });
}
