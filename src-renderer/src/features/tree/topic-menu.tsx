import { BarChart3, ClipboardCopy, Copy, Eraser, Filter, Send } from 'lucide-react';
import { ContextMenu } from 'radix-ui';
import { memo, useRef } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { toErrorData } from '../../lib/error-data';
import { chart, publishToTopic, requestTreeFilter, selectTopic } from '../explorer/actions';
import { fetchPayload, fetchTopicDetail } from '../inspector/actions';
import { payloadClipboardText, subtreeFilter } from './topic-menu-logic';

/** What a menu action says when it is done (or why it failed), for the tree's status line. */
export type MenuNote = { readonly kind: 'ok' | 'error'; readonly text: string };

export interface TopicMenuProps {
  readonly connectionId: ConnectionId;
  /** The row the menu was opened on. */
  readonly path: string | null;
  readonly onNote: (note: MenuNote) => void;
  /** Clear retained: the tree asks first, with the count, as the inspector does. */
  readonly onClearRetained: (path: string, subtree: boolean) => void;
  /** Where focus goes when the menu closes without an action moving it (the tree, for keyboard users). */
  readonly onClosed: () => void;
}

async function copy(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}

/** A memo: the tree re-renders with every rows answer, the closed menu need not. */
export const TopicMenuContent = memo(TopicMenuContentView);

/** The topic tree's context menu: copy topic or payload, publish here, clear retained, chart, filter to the subtree. */
function TopicMenuContentView({ connectionId, path, onNote, onClearRetained, onClosed }: TopicMenuProps): React.JSX.Element | null {
  const focusAfter = useRef<'tree' | 'composer' | 'confirm'>('tree');
  if (path === null) return null;
  const fail = (what: string) => (error: unknown) => onNote({ kind: 'error', text: `${what}: ${toErrorData(error).message}` });
  const copyPayload = async (): Promise<void> => {
    const detail = await fetchTopicDetail(connectionId, path);
    const last = detail.lastMessage;
    if (!last) {
      onNote({ kind: 'error', text: `${path} has no message to copy.` });
      return;
    }
    const bytes = last.size > last.payload.length ? await fetchPayload(connectionId, path, last.n, last.size) : last.payload;
    const { text, as } = payloadClipboardText(bytes);
    await copy(text);
    onNote({ kind: 'ok', text: `Copied the payload of ${path}${as === 'hex' ? ' as hex (it is not UTF-8 text)' : ''}.` });
  };
  return (
    <ContextMenu.Portal>
      <ContextMenu.Content className="menu" data-testid="topic-menu" data-path={path} aria-label={`Actions for ${path}`}
        onCloseAutoFocus={(e) => {
          e.preventDefault();
          // "Publish to this topic" puts the cursor in the composer's topic, "Clear retained" on its question (once it
          // has counted); anything else gives the tree its focus back.
          const where = focusAfter.current;
          focusAfter.current = 'tree';
          if (where === 'composer') document.getElementById('publish-topic')?.focus();
          else if (where === 'confirm') document.getElementById('tree-clear-retained')?.focus();
          else onClosed();
        }}
      >
        <ContextMenu.Label className="menu-heading">{path}</ContextMenu.Label>
        <ContextMenu.Item
          className="menu-item"
          data-testid="topic-menu-copy-topic"
          onSelect={() =>
            void copy(path).then(
              () => onNote({ kind: 'ok', text: `Copied the topic ${path}.` }),
              fail('Could not copy the topic'),
            )
          }
        >
          <Copy size={14} aria-hidden="true" /> Copy topic
        </ContextMenu.Item>
        <ContextMenu.Item className="menu-item" data-testid="topic-menu-copy-payload" onSelect={() => void copyPayload().catch(fail('Could not copy the payload'))}>
          <ClipboardCopy size={14} aria-hidden="true" /> Copy payload
        </ContextMenu.Item>
        <ContextMenu.Item className="menu-item" data-testid="topic-menu-publish" onSelect={() => {
            focusAfter.current = 'composer';
            publishToTopic(path);
          }}
        >
          <Send size={14} aria-hidden="true" /> Publish to this topic
        </ContextMenu.Item>
        <ContextMenu.Separator className="menu-separator" />
        <ContextMenu.Item className="menu-item" data-testid="topic-menu-clear-retained" onSelect={() => {
            focusAfter.current = 'confirm';
            onClearRetained(path, false);
          }}
        >
          <Eraser size={14} aria-hidden="true" /> Clear retained…
        </ContextMenu.Item>
        <ContextMenu.Item className="menu-item" data-testid="topic-menu-clear-retained-below" onSelect={() => {
            focusAfter.current = 'confirm';
            onClearRetained(path, true);
          }}
        >
          <Eraser size={14} aria-hidden="true" /> Clear retained here and below…
        </ContextMenu.Item>
        <ContextMenu.Separator className="menu-separator" />
        <ContextMenu.Item
          className="menu-item"
          data-testid="topic-menu-chart"
          onSelect={() => {
            selectTopic(path);
            chart(path, null);
          }}
        >
          <BarChart3 size={14} aria-hidden="true" /> Chart
        </ContextMenu.Item>
        <ContextMenu.Item className="menu-item" data-testid="topic-menu-filter" onSelect={() => requestTreeFilter(subtreeFilter(path))}>
          <Filter size={14} aria-hidden="true" /> Filter to this subtree
        </ContextMenu.Item>
      </ContextMenu.Content>
    </ContextMenu.Portal>
  );
}
