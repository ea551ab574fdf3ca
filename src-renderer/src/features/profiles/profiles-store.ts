import { create } from 'zustand';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo } from '../../../../shared/ipc/connections';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ImportResult, ProfileId, ProfilesList, ProfileView, SecretStoreInfo } from '../../../../shared/ipc/profiles';

/** The connections panel's state: saved profiles, which one is being edited, and per-profile progress. */
export interface ProfilesState {
  readonly list: ProfilesList | null;
  readonly secretStore: SecretStoreInfo | null;
  /** The profile open in the editor; 'new' for a blank one. */
  readonly editing: ProfileView | 'new' | null;
  readonly connecting: Readonly<Record<string, boolean>>;
  /** The last failure per profile id ('' for panel-wide failures). */
  readonly errors: Readonly<Record<string, ErrorData>>;
  readonly lastImport: Omit<ImportResult, 'list'> | null;
}

export const useProfilesStore = create<ProfilesState>()(() => ({
  list: null,
  secretStore: null,
  editing: null,
  connecting: {},
  errors: {},
  lastImport: null,
}));

const LIVE_STATES = new Set(['connecting', 'connected', 'reconnecting']);

/** Selectors, grouped so components and tests read state the same way. */
export const profileSelectors = {
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
