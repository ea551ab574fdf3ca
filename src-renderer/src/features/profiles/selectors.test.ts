import { describe, expect, it } from 'vitest';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ConnectionInfo, ConnectionState } from '../../../../shared/ipc/connections';
import type { ProfileId, ProfilesList, ProfileView } from '../../../../shared/ipc/profiles';
import { initialAppState, type AppState } from '../../store/root-store';
import { profileSelectors } from './selectors';

const profile = (id: string, folder: string, order: number): ProfileView => ({
  id: id as ProfileId,
  name: id,
  folder,
  order,
  options: { url: 'mqtt://h:1883' },
  secrets: [],
  createdAt: '',
  updatedAt: '',
});

const connection = (id: string, state: ConnectionState): ConnectionInfo => ({
  connectionId: id as ConnectionId,
  name: id,
  url: 'mqtt://h:1883',
  urls: ['mqtt://h:1883'],
  protocolVersion: 5,
  clientId: 'c',
  state,
  since: 0,
  queuedCount: 0,
});

describe('profile selectors', () => {
  it('groups profiles by folder with the top level first and the rest by name', () => {
    const list: ProfilesList = { profiles: [profile('b1', 'B', 0), profile('top', '', 0), profile('a1', 'A', 0), profile('b2', 'B', 1)], folders: ['', 'A', 'B'], live: [] };
    expect(profileSelectors.byFolder(list).map(([folder, ps]) => [folder, ps.map((p) => p.id)])).toEqual([
      ['', ['top']],
      ['A', ['a1']],
      ['B', ['b1', 'b2']],
    ]);
  });

  it('shows a profile live only while its newest connection is, ignoring closed ones', () => {
    const list: ProfilesList = {
      profiles: [profile('p', '', 0)],
      folders: [''],
      live: [
        { profileId: 'p' as ProfileId, connectionId: 'old' as ConnectionId },
        { profileId: 'p' as ProfileId, connectionId: 'new' as ConnectionId },
      ],
    };
    const p = 'p' as ProfileId;
    expect(profileSelectors.liveConnectionOf(list, { old: connection('old', 'connected'), new: connection('new', 'reconnecting') }, p)?.connectionId).toBe('new');
    expect(profileSelectors.liveConnectionOf(list, { old: connection('old', 'connected'), new: connection('new', 'disconnected') }, p)?.connectionId).toBe('old');
    expect(profileSelectors.liveConnectionOf(list, { old: connection('old', 'error') }, p)).toBeNull();
  });

  it('reads each profile’s progress and failure apart from the panel’s and the editor’s', () => {
    const base = initialAppState();
    const s: AppState = {
      ...base,
      profiles: { ...base.profiles, connecting: { p: true }, errors: { p: { code: 'AUTHENTICATION_FAILED', message: 'bad password' }, '': { code: 'INTERNAL_ERROR', message: 'import' } } },
    };
    const p = 'p' as ProfileId;
    expect(profileSelectors.connectingOf(p)(s)).toBe(true);
    expect(profileSelectors.connectingOf('q' as ProfileId)(s)).toBe(false);
    expect(profileSelectors.errorOf(p)(s)?.code).toBe('AUTHENTICATION_FAILED');
    expect(profileSelectors.errorOf('')(s)?.message).toBe('import');
    expect(profileSelectors.errorOf('editor')(s)).toBeNull();
  });
});
