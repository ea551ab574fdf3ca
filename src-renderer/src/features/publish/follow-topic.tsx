import { Pin, PinOff } from 'lucide-react';
import { memo, startTransition, useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { useStore, type AppState } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';
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
export function useFollowedTopic(setTopic: (topic: string) => void): FollowedTopic {
  const [pinned, setPinned] = useState(false);
  const publishTo = useStore(explorerSelectors.publishTo);
  const pinnedNow = useRef(pinned);
  useEffect(() => {
    pinnedNow.current = pinned;
  }, [pinned]);
  // The selection is watched outside React's render: the composer is a large form, and re-rendering it as part of the
  // click would delay the inspector's value. Only a change of selection within one connection moves the topic: not
  // the selection found at start-up or on switching connections, which would overwrite the draft just loaded. The
  // topic is then set as a transition, so React renders the form after the inspector, and yields to input meanwhile.
  useEffect(() => {
    const watched = (state: AppState): { connectionId: ConnectionId | null; selected: string | null } => ({
      connectionId: connectionsSelectors.active(state)?.connectionId ?? null,
      selected: explorerSelectors.selected(state),
    });
    let seen = watched(useStore.getState());
    return useStore.subscribe((state) => {
      const before = seen;
      const now = watched(state);
      seen = now;
      const selected = now.selected;
      if (pinnedNow.current || selected === null || before.connectionId !== now.connectionId || before.selected === selected) return;
      startTransition(() => setTopic(selected));
    });
  }, [setTopic]);

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
export const TopicPin = memo(function TopicPin({ pinned, setPinned }: FollowedTopic): React.JSX.Element {
  return (
    <IconButton size="sm" icon={pinned ? Pin : PinOff} label={pinned ? 'Topic pinned: unpin to follow the selected topic' : 'Topic follows the selected topic: pin to keep it'} className="topic-pin" data-testid="publish-topic-pin" aria-pressed={pinned} onClick={() => setPinned(!pinned)} />
  );
});
