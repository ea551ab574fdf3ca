/**
 * The renderer's one store, made of per-feature slices (zustand's slices pattern; lobe-chat's store layout).
 *
 * How a feature keeps state and talks to the core (copy features/broker/ or features/profiles/):
 * - features/<name>/state.ts: `<Name>State` (readonly; versions, the selection, flags, small bounded lists) and
 *   `initial<Name>State`. It becomes one key of `AppState` below. Big, fast-changing collections (a live message,
 *   the packet log's rows) stay outside the store, with only a version number in it, and a stream is applied once
 *   per animation frame with lib/frame-batch.ts (see features/inspector/ and features/packet-log/).
 * - features/<name>/actions.ts: plain exported functions, callable from components, other actions and tests. They are
 *   the only code that calls the core (`core.invoke`, `core.on`) or writes the store (`setSlice`); a lint rule keeps
 *   components off ipc/core-client. A feature with no state of its own (publish, history) has only actions.ts.
 * - features/<name>/selectors.ts: `<name>Selectors`, one exported object of pure functions of `AppState`, unit-tested
 *   beside it (selectors.test.ts). Components read `useStore(xSelectors.y)`; a selector that builds a new object or
 *   array is read with `useShallow` or memoised.
 */
import { create } from 'zustand';
import { initialBrokerState, type BrokerState } from '../features/broker/state';
import { initialCertificatesState, type CertificatesState } from '../features/certificates/state';
import { initialConnectionInfoState, type ConnectionInfoState } from '../features/connection-info/state';
import { initialConnectionsState, type ConnectionsState } from '../features/connections/state';
import { initialCoreLinkState, type CoreLinkState } from '../features/core-link/state';
import { initialExplorerState, type ExplorerState } from '../features/explorer/state';
import { initialHistorySearchState, type HistorySearchState } from '../features/history-search/state';
import { initialInspectorState, type InspectorState } from '../features/inspector/state';
import { initialPacketLogState, type PacketLogState } from '../features/packet-log/state';
import { initialProfilesState, type ProfilesState } from '../features/profiles/state';
import { initialPublishState, type PublishState } from '../features/publish/state';
import { initialScriptsState, type ScriptsState } from '../features/scripts/state';
import { initialWorkspaceState, type WorkspaceState } from '../features/workspace/state';

/** Every slice, one key per feature. */
export interface AppState {
  readonly coreLink: CoreLinkState;
  readonly workspace: WorkspaceState;
  readonly connections: ConnectionsState;
  readonly connectionInfo: ConnectionInfoState;
  readonly explorer: ExplorerState;
  readonly inspector: InspectorState;
  readonly packetLog: PacketLogState;
  readonly broker: BrokerState;
  readonly profiles: ProfilesState;
  readonly certificates: CertificatesState;
  readonly historySearch: HistorySearchState;
  readonly scripts: ScriptsState;
  readonly publish: PublishState;
}

/** A fresh state, as at start-up (tests build from it). */
export function initialAppState(): AppState {
  return {
    coreLink: initialCoreLinkState,
    workspace: initialWorkspaceState,
    connections: initialConnectionsState,
    connectionInfo: initialConnectionInfoState,
    explorer: initialExplorerState,
    inspector: initialInspectorState,
    packetLog: initialPacketLogState,
    broker: initialBrokerState,
    profiles: initialProfilesState,
    certificates: initialCertificatesState,
    historySearch: initialHistorySearchState,
    scripts: initialScriptsState,
    publish: initialPublishState,
  };
}

export const useStore = create<AppState>()(initialAppState);

/** Merges a patch (or the patch a function of the slice returns) into one slice; for actions only. */
export function setSlice<K extends keyof AppState>(key: K, patch: Partial<AppState[K]> | ((slice: AppState[K]) => Partial<AppState[K]>)): void {
  useStore.setState((s) => {
    const current = s[key];
    const next = typeof patch === 'function' ? patch(current) : patch;
    return { [key]: { ...current, ...next } } as unknown as Pick<AppState, K>;
  });
}

/** One slice as it is now, for actions outside React. */
export function getSlice<K extends keyof AppState>(key: K): AppState[K] {
  return useStore.getState()[key];
}
