import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ProfileId, ProfilesList, ProfileView, SecretStoreInfo } from '../../../../shared/ipc/profiles';
import type { AppState } from '../../store/root-store';
import type { ProfilesState } from './state';

const LIVE_STATES = new Set(['connecting', 'connected', 'reconnecting']);

/**
 * Reads of the profiles slice, and derivations of values a component already holds
 * (those take the values, so a component can memoise on them).
 */
export const profileSelectors = {
  list: (s: AppState): ProfilesList | null => s.profiles.list,
  secretStore: (s: AppState): SecretStoreInfo | null => s.profiles.secretStore,
  editing: (s: AppState): ProfileView | 'new' | null => s.profiles.editing,
  lastImport: (s: AppState): ProfilesState['lastImport'] => s.profiles.lastImport,
  /** The last failure for a profile id ('' panel-wide, 'editor' for the editor). */
  errorOf:
    (key: string) =>
    (s: AppState): ErrorData | null =>
      s.profiles.errors[key] ?? null,
  connectingOf:
    (id: ProfileId) =>
    (s: AppState): boolean =>
      s.profiles.connecting[id] ?? false,
  /** Profiles per folder, folders in order ('' first). */
  byFolder: (list: ProfilesList | null): readonly (readonly [string, readonly ProfileView[]])[] => {
    if (!list) return [];
    const groups = new Map<string, ProfileView[]>();
    for (const p of list.profiles) {
      const group = groups.get(p.folder) ?? [];
      group.push(p);
      groups.set(p.folder, group);
    }
    return [...groups.entries()].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  },
  /** The newest connection opened from a profile that is still alive, if any. */
  liveConnectionOf: (list: ProfilesList | null, connections: Readonly<Record<string, ConnectionInfo>>, profileId: ProfileId): ConnectionInfo | null => {
    if (!list) return null;
    for (let i = list.live.length - 1; i >= 0; i--) {
      const entry = list.live[i];
      if (entry?.profileId !== profileId) continue;
      const info = connections[entry.connectionId as ConnectionId];
      if (info && LIVE_STATES.has(info.state)) return info;
    }
    return null;
  },
};
