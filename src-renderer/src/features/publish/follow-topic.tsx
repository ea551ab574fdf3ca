import { Pin, PinOff } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui';
import { explorerSelectors } from '../explorer/selectors';

export interface FollowedTopic {
  readonly pinned: boolean;
  readonly setPinned: (pinned: boolean) => void;
}

/**
 * The composer's topic follows the topic selected in the tree, unless pinned; "Publish to this topic" from the
 * tree's menu sets it even when pinned (the user asked) and puts the cursor in the topic field.
 */
export function useFollowedTopic(connectionId: ConnectionId | null, setTopic: (topic: string) => void): FollowedTopic {
  const [pinned, setPinned] = useState(false);
  const selected = useStore(explorerSelectors.selected);
  const publishTo = useStore(explorerSelectors.publishTo);
  // Only a change of selection within one connection moves the topic: not the selection found at start-up or on
  // switching connections, which would overwrite the draft just loaded.
  const seen = useRef<{ connectionId: ConnectionId | null; selected: string | null }>({ connectionId, selected });
  useEffect(() => {
    const before = seen.current;
    seen.current = { connectionId, selected };
    if (pinned || selected === null || before.connectionId !== connectionId || before.selected === selected) return;
    setTopic(selected);
  }, [connectionId, selected, pinned, setTopic]);

  const handled = useRef(publishTo?.seq ?? 0);
  useEffect(() => {
    if (!publishTo || publishTo.seq === handled.current) return;
    handled.current = publishTo.seq;
    setTopic(publishTo.topic);
    document.getElementById('publish-topic')?.focus();
  }, [publishTo, setTopic]);

  return { pinned, setPinned };
}

/** The pin beside the topic: pressed, the topic stays; released, it follows the tree's selection. */
export function TopicPin({ pinned, setPinned }: FollowedTopic): React.JSX.Element {
  return (
    <IconButton size="sm" icon={pinned ? Pin : PinOff} label={pinned ? 'Topic pinned: unpin to follow the selected topic' : 'Topic follows the selected topic: pin to keep it'} className="topic-pin" data-testid="publish-topic-pin" aria-pressed={pinned} onClick={() => setPinned(!pinned)} />
  );
}
