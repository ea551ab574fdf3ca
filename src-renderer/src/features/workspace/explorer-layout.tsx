import { ChevronsDown, ChevronsUp, Maximize2, Minimize2 } from 'lucide-react';
import { useState } from 'react';
import { Group, Panel, Separator, useDefaultLayout, usePanelRef } from 'react-resizable-panels';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui/icon-button';
import { ConnectBar } from '../connect/connect-bar';
import { explorerSelectors } from '../explorer/selectors';
import { Inspector } from '../inspector/inspector';
import { ConnectionsPanel } from '../profiles/connections-panel';
import { PublishForm } from '../publish/publish-form';
import { TopicTree } from '../tree/topic-tree';
import { paneStorage } from './pane-storage';
import { plural } from '../../lib/format';

const COMPOSER_ENLARGED = '72%';

/** The tree's counts: its own component, so the counts changing several times a second re-render only this line. */
function TreeTotals(): React.JSX.Element {
  const totals = useStore(explorerSelectors.changed);
  return (
    <span className="totals" data-testid="tree-totals">
      {totals ? `${plural(totals.topicCount, 'topic')} · ${plural(totals.messageCount, 'message')}` : ''}
    </span>
  );
}

/** The explorer: the connect bar, then connections | topics | inspector over composer, in panes the user sizes. */
export function ExplorerLayout({ hidden }: { readonly hidden: boolean }): React.JSX.Element {
  // Sizes are remembered per group in the renderer's storage (they belong to this window, not to the core).
  const columns = useDefaultLayout({ id: 'explorer-columns', storage: paneStorage });
  const rows = useDefaultLayout({ id: 'explorer-detail', storage: paneStorage });
  const inspectorRef = usePanelRef();
  const composerRef = usePanelRef();
  const [inspectorHidden, setInspectorHidden] = useState(false);
  const [enlarged, setEnlarged] = useState(false);

  const toggleWholeSide = (): void => {
    const inspector = inspectorRef.current;
    if (!inspector) return;
    if (inspector.isCollapsed()) inspector.expand();
    else inspector.collapse();
  };
  const toggleEnlarged = (): void => {
    const composer = composerRef.current;
    if (!composer) return;
    if (inspectorRef.current?.isCollapsed()) inspectorRef.current.expand();
    composer.resize(enlarged ? '42%' : COMPOSER_ENLARGED);
  };

  return (
    <main className="explorer-workspace" hidden={hidden}>
      <ConnectBar />
      <Group className="explorer-panes" orientation="horizontal" id="explorer-columns" data-testid="explorer-panes" defaultLayout={columns.defaultLayout} onLayoutChanged={columns.onLayoutChanged}>
        <Panel id="pane-connections" data-testid="pane-connections" defaultSize="18%" minSize={190} maxSize="40%" groupResizeBehavior="preserve-pixel-size">
          <ConnectionsPanel />
        </Panel>
        <Separator className="splitter" id="splitter-connections" data-testid="splitter-connections" aria-label="Resize the connections pane" />
        <Panel id="pane-tree" data-testid="pane-tree" defaultSize="34%" minSize={260}>
          <aside className="left">
            <div className="pane-title">
              Topics
              <TreeTotals />
            </div>
            <TopicTree />
          </aside>
        </Panel>
        <Separator className="splitter" id="splitter-tree" data-testid="splitter-tree" aria-label="Resize the topics pane" />
        <Panel id="pane-detail" data-testid="pane-detail" defaultSize="48%" minSize={480}>
          <Group className="detail-panes" orientation="vertical" id="explorer-detail" defaultLayout={rows.defaultLayout} onLayoutChanged={rows.onLayoutChanged}>
            <Panel
              id="pane-inspector"
              data-testid="pane-inspector"
              panelRef={inspectorRef}
              defaultSize="58%"
              minSize={120}
              collapsible
              collapsedSize={0}
              onResize={(size) => setInspectorHidden(size.inPixels < 1)}
            >
              <Inspector />
            </Panel>
            <Separator className="splitter" id="splitter-composer" data-testid="splitter-composer" aria-label="Resize the composer" />
            <Panel id="pane-composer" data-testid="pane-composer" panelRef={composerRef} defaultSize="42%" minSize={160} onResize={(size) => setEnlarged(size.asPercentage >= 60)}>
              <div className="composer-pane">
                <div className="pane-title composer-title">
                  <span>Publish</span>
                  <span className="pane-actions">
                    <IconButton
                      size="sm"
                      icon={enlarged && !inspectorHidden ? ChevronsDown : ChevronsUp}
                      label={enlarged && !inspectorHidden ? 'Make the composer smaller' : 'Enlarge the composer'}
                      data-testid="composer-enlarge"
                      aria-pressed={enlarged && !inspectorHidden}
                      onClick={toggleEnlarged}
                    />
                    <IconButton
                      size="sm"
                      icon={inspectorHidden ? Minimize2 : Maximize2}
                      label={inspectorHidden ? 'Show the inspector again' : 'Give the composer the whole side'}
                      data-testid="composer-maximize"
                      aria-pressed={inspectorHidden}
                      onClick={toggleWholeSide}
                    />
                  </span>
                </div>
                <PublishForm />
              </div>
            </Panel>
          </Group>
        </Panel>
      </Group>
    </main>
  );
}
