import { useEffect, useMemo, useState } from 'react';
import type { MessageView } from '../../../../shared/ipc/common';
import { core } from '../../ipc/core-client';
import { formatPayload } from '../../lib/payload-text';
import { selectors, useAppStore } from '../../store/app-store';

/** The selected topic's latest message, kept live by the core's batched message stream. */
export function Inspector(): React.JSX.Element {
  const active = useAppStore(selectors.active);
  const topic = useAppStore(selectors.selectedOf);
  const [message, setMessage] = useState<MessageView | null>(null);
  const [count, setCount] = useState(0);
  const connectionId = active?.connectionId ?? null;

  useEffect(() => {
    setMessage(null);
    if (!connectionId || topic === null) return;
    let cancelled = false;
    void core.invoke('explorer.topic', { connectionId, topic }).then((detail) => {
      if (cancelled) return;
      setMessage(detail.lastMessage);
      setCount(detail.messageCount);
    });
    const off = core.on('explorer.messages', (batch) => {
      if (batch.connectionId !== connectionId) return;
      const mine = batch.messages.filter((m) => m.topic === topic);
      const latest = mine[mine.length - 1];
      if (latest) {
        setMessage(latest);
        setCount((c) => c + mine.length);
      }
    });
    return () => {
      cancelled = true;
      off();
    };
  }, [connectionId, topic]);

  const formatted = useMemo(() => (message ? formatPayload(message.payload) : null), [message]);

  if (topic === null) return <section className="inspector empty">Select a topic to see its value.</section>;
  return (
    <section className="inspector" data-testid="inspector" data-topic={topic}>
      <h2 className="breadcrumb" data-testid="inspector-topic">
        {topic.split('/').map((level, i) => (
          <span key={i} className="crumb">
            {i > 0 ? ' / ' : ''}
            {level === '' ? '∅' : level}
          </span>
        ))}
      </h2>
      {message ? (
        <>
          <dl className="facts">
            <dt>QoS</dt>
            <dd data-testid="inspector-qos">{message.qos}</dd>
            <dt>Retained</dt>
            <dd data-testid="inspector-retain">{message.retain ? 'yes' : 'no'}</dd>
            <dt>Received</dt>
            <dd data-testid="inspector-time">{new Date(message.receivedAt).toLocaleTimeString()}</dd>
            <dt>Size</dt>
            <dd data-testid="inspector-size">{message.payload.byteLength} B</dd>
            <dt>Messages</dt>
            <dd data-testid="inspector-count">{count}</dd>
            <dt>Shown as</dt>
            <dd data-testid="inspector-format">{formatted?.kind}</dd>
          </dl>
          <pre className={`payload payload-${formatted?.kind}`} data-testid="inspector-payload">
            {formatted?.text}
          </pre>
          {formatted?.truncated ? <p className="note">Only the beginning is shown.</p> : null}
        </>
      ) : (
        <p className="note">No message on this exact topic yet.</p>
      )}
    </section>
  );
}
