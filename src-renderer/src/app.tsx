import { BrokerPanel } from './features/broker/broker-panel';
import { CertificatesPanel } from './features/certificates/certificates-panel';
import { ConnectionDrawer } from './features/connection-info/connection-drawer';
import { HistoryView } from './features/history-search/history-view';
import { ScriptsWorkspace } from './features/scripts/scripts-workspace';
import { historySearchSelectors } from './features/history-search/selectors';
import { showWorkspace } from './features/workspace/actions';
import { ExplorerLayout } from './features/workspace/explorer-layout';
import { workspaceSelectors } from './features/workspace/selectors';
import type { Workspace } from './features/workspace/state';
import { useStore } from './store/root-store';
import { ThemeSwitcher } from './ui/theme-switcher';
import { PaletteButton, TimeFormatSwitcher } from './features/command-palette/header-tools';

const WORKSPACES: readonly { readonly id: Workspace; readonly label: string }[] = [
  { id: 'explorer', label: 'Explorer' },
  { id: 'history', label: 'History' },
  { id: 'broker', label: 'Broker' },
  { id: 'certificates', label: 'Certificates' },
  { id: 'scripts', label: 'Scripts' },
];

/** The window: brand, workspace tabs and the theme on top; the explorer (connect bar, connections, tree, inspector and composer) or another workspace below. */
export function App(): React.JSX.Element {
  const workspace = useStore(workspaceSelectors.current);
  const recording = useStore(historySearchSelectors.recordingActive);
  return (
    <div className="app">
      <header>
        <span className="brand">Topiary</span>
        <nav className="workspaces" role="tablist">
          {WORKSPACES.map((w) => (
            <button key={w.id} type="button" role="tab" aria-selected={workspace === w.id} data-testid={`workspace-${w.id}`} className={workspace === w.id ? 'active' : ''} onClick={() => showWorkspace(w.id)}>
              {w.label}
              {w.id === 'history' && recording ? <span className="recording-dot on" data-testid="recording-indicator" title="Recording to the history store" /> : null}
            </button>
          ))}
        </nav>
        <div className="header-end">
          <TimeFormatSwitcher />
          <ThemeSwitcher />
          <PaletteButton />
        </div>
      </header>
      {workspace === 'history' ? (
        <main>
          <HistoryView />
        </main>
      ) : null}
      {workspace === 'broker' ? (
        <main>
          <BrokerPanel />
        </main>
      ) : null}
      {workspace === 'certificates' ? (
        <main>
          <CertificatesPanel />
        </main>
      ) : null}
      {workspace === 'scripts' ? <main><ScriptsWorkspace /></main> : null}
      <ExplorerLayout hidden={workspace !== 'explorer'} />
      <ConnectionDrawer />
    </div>
  );
}
