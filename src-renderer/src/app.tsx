import { ConnectBar } from './features/connect/connect-bar';
import { Inspector } from './features/inspector/inspector';
import { ConnectionsPanel } from './features/profiles/connections-panel';
import { PublishForm } from './features/publish/publish-form';
import { TopicTree } from './features/tree/topic-tree';
import { selectors, useAppStore } from './store/app-store';

/** The window: connection bar on top, the tree on the left, inspector and publisher on the right. */
export function App(): React.JSX.Element {
  const totals = useAppStore(selectors.explorerOf);
  return (
    <div className="app">
      <header>
        <span className="brand">Topiary</span>
        <ConnectBar />
      </header>
      <main>
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
    </div>
  );
}
