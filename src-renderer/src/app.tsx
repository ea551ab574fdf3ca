import { BrokerPanel } from './features/broker/broker-panel';
import { CertificatesPanel } from './features/certificates/certificates-panel';
import { ConnectBar } from './features/connect/connect-bar';
import { ConnectionDrawer } from './features/connection-info/connection-drawer';
import { CoreLinkOverlay } from './features/core-link/core-link-overlay';
import { HistoryView } from './features/history-search/history-view';
import { Inspector } from './features/inspector/inspector';
import { ConnectionsPanel } from './features/profiles/connections-panel';
import { PublishForm } from './features/publish/publish-form';
import { ScriptsWorkspace } from './features/scripts/scripts-workspace';
import { TopicTree } from './features/tree/topic-tree';
import { explorerSelectors } from './features/explorer/selectors';
import { historySearchSelectors } from './features/history-search/selectors';
import { showWorkspace } from './features/workspace/actions';
import { workspaceSelectors } from './features/workspace/selectors';
import type { Workspace } from './features/workspace/state';
import { useStore } from './store/root-store';

const WORKSPACES: readonly { readonly id: Workspace; readonly label: string }[] = [
  { id: 'explorer', label: 'Explorer' },
  { id: 'history', label: 'History' },
  { id: 'broker', label: 'Broker' },
  { id: 'certificates', label: 'Certificates' },
  { id: 'scripts', label: 'Scripts' },
];

/** The window: workspace tabs and the connection bar on top; the explorer is the tree, inspector and publisher. */
export function App(): React.JSX.Element {
  const totals = useStore(explorerSelectors.changed);
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
        <ConnectBar />
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
      <main hidden={workspace !== 'explorer'}>
        <ConnectionsPanel />
        <aside className="left">
          <div className="pane-title">
            Topics
            <span className="totals" data-testid="tree-totals">
              {totals ? `${totals.topicCount} topics · ${totals.messageCount} messages` : ''}
            </span>
          </div>
          <TopicTree />
        </aside>
        <div className="right">
          <Inspector />
          <PublishForm />
        </div>
      </main>
      <ConnectionDrawer />
      <CoreLinkOverlay />
    </div>
  );
}
