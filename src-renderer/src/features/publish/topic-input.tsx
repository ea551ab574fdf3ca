import { useEffect, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { TopicSuggestion } from '../../../../shared/ipc/publish';
import { checkPublishTopic } from '../../../../shared/publish/publish-topic-check';
import { suggestTopics } from './actions';

export interface TopicInputProps {
  readonly value: string;
  readonly onChange: (topic: string) => void;
  readonly connectionId: ConnectionId | null;
  /** The field's box, for a row that makes room for it. */
  readonly fieldRef?: React.Ref<HTMLDivElement>;
}

/** The publish topic: checked as you type, completed from the live topic tree. */
export function TopicInput({ value, onChange, connectionId, fieldRef }: TopicInputProps): React.JSX.Element {
  const [suggestions, setSuggestions] = useState<readonly TopicSuggestion[]>([]);
  // Completions serve typing: they are asked for while the field has focus, not each time the topic follows a click.
  const [focused, setFocused] = useState(false);
  const check = checkPublishTopic(value);

  useEffect(() => {
    if (!connectionId || !focused) return;
    let current = true;
    // A short pause so fast typing asks once.
    const timer = setTimeout(() => {
      suggestTopics(connectionId, value)
        .then((found) => current && setSuggestions(found))
        .catch(() => current && setSuggestions([]));
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [value, connectionId, focused]);

  return (
    <div className="topic-field" ref={fieldRef}>
      <input
        className="topic"
        id="publish-topic"
        aria-label="Publish topic"
        data-testid="publish-topic"
        list="publish-topic-suggestions"
        value={value}
        spellCheck={false}
        aria-invalid={!check.ok}
        onChange={(e) => onChange(e.target.value)}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
      />
      <datalist id="publish-topic-suggestions" data-testid="publish-topic-suggestions">
        {suggestions.map((s) => (
          <option key={s.topic} value={s.hasChildren && !s.hasMessage ? `${s.topic}/` : s.topic} />
        ))}
      </datalist>
      {!check.ok ? (
        <div className="error" role="alert" data-testid="publish-topic-error" data-problem={check.problem}>
          {check.message}
        </div>
      ) : check.warning ? (
        <div className="warning" data-testid="publish-topic-warning">
          {check.warning}
        </div>
      ) : null}
    </div>
  );
}
