import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ImportResult, ProfilesList, ProfileView, SecretStoreInfo } from '../../../../shared/ipc/profiles';

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

export const initialProfilesState: ProfilesState = {
  list: null,
  secretStore: null,
  editing: null,
  connecting: {},
  errors: {},
  lastImport: null,
};

