import { ClipboardCopy, Copy, Download } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useStore } from '../../store/root-store';
import { IconButton } from '../../ui/icon-button';
import { connectionsSelectors } from '../connections/selectors';
import { selectTopic, setTab } from '../explorer/actions';
import { explorerSelectors } from '../explorer/selectors';
import { SeriesChart } from '../chart/series-chart';
import { HistoryPanel } from '../history/history-panel';
import { MessageFacts } from './message-facts';
import { inspectorSelectors } from './selectors';
import { fetchPayload, inspectTopic } from './actions';
import { inspectedMessage } from './live-message';
import { fileNameFor } from './payload-transfer';
import { PayloadView } from './payload-view';
import { RetainedClear } from './retained-clear';
import { saveFile } from '../../lib/save-file';

const decoder = new TextDecoder('utf-8', { fatal: false });

/** The selected topic: breadcrumb, the latest message (kept live by the core's batched stream), history and chart. */
export function Inspector(): React.JSX.Element {
  const active = useStore(connectionsSelectors.active);
  const topic = useStore(explorerSelectors.selected);
  const tab = useStore(explorerSelectors.tab);
  const chartField = useStore(explorerSelectors.chartFieldFor(topic));
  const connectionId = active?.connectionId ?? null;
  // In the render right after a click the held message, count and flag are still the topic before's (the effect
  // below resets them): none of them may be shown as the new topic's, nor its number asked for under the new topic
  // (that painted an older message of the new topic before its newest). The selectors read them as "nothing yet"
  // until they are this topic's, and the reset reads the same, so a click renders this twice (the selection, the
  // answer), not three times. The message itself stays outside the store; its number re-renders this when a frame
  // applies a newer one.
  const version = useStore(inspectorSelectors.messageVersionOf(connectionId, topic));
  const held = inspectedMessage();
  const message = version !== 0 && held?.topic === topic ? held : null;
  const count = useStore(inspectorSelectors.countOf(connectionId, topic));
  const loaded = useStore(inspectorSelectors.loadedOf(connectionId, topic));
  const [note, setNote] = useState('');

  useEffect(() => {
    setNote('');
    if (!connectionId || topic === null) return;
    return inspectTopic(connectionId, topic);
  }, [connectionId, topic]);

  if (topic === null || !connectionId) return <section className="inspector empty">Select a topic to see its value.</section>;

  // Null while the clicked topic's value is on its way: the buttons stay enabled then (a flip to disabled and back
  // on every click re-rendered their tooltips, about forty components), and a press in those milliseconds says so.
  const wholePayload = async (): Promise<Uint8Array | null> => {
    if (!message) return null;
    return message.size <= message.payload.length ? message.payload : fetchPayload(connectionId, topic, message.n, message.size);
  };
  const copy = async (text: string, what: string): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setNote(`${what} copied.`);
    } catch {
      setNote(`The browser did not allow copying the ${what.toLowerCase()}.`);
    }
  };

  // Disabled only once the core said the topic has no message (a branch): not while its value is on its way.
  const noMessage = loaded && !message;
  const levels = topic.split('/');
  return (
    <section className="inspector" data-testid="inspector" data-topic={topic}>
      <h2 className="breadcrumb" data-testid="inspector-topic">
        {levels.map((level, i) => (
          <span key={i} className="crumb">
            {i > 0 ? ' / ' : ''}
            <a href="#" data-testid="crumb" onClick={(e) => (e.preventDefault(), selectTopic(levels.slice(0, i + 1).join('/')))}>
              {level === '' ? '∅' : level}
            </a>
          </span>
        ))}
      </h2>
      <div className="actions">
        <IconButton size="sm" icon={Copy} label="Copy topic" data-testid="copy-topic" onClick={() => void copy(topic, 'Topic')} />
        <IconButton size="sm" icon={ClipboardCopy} label="Copy payload" data-testid="copy-payload" disabled={noMessage} onClick={() => void wholePayload().then((b) => (b ? copy(decoder.decode(b), 'Payload') : setNote('No value to copy yet.')))} />
        <IconButton size="sm" icon={Download} label="Save payload" data-testid="save-payload" disabled={noMessage} onClick={() => void wholePayload().then((b) => (b ? saveFile(fileNameFor(topic), b) : setNote('No value to save yet.')))} />
        <RetainedClear connectionId={connectionId} topic={topic} />
        {note ? <span className="note">{note}</span> : null}
      </div>
      <div className="tabs" role="tablist">
        {(['value', 'history', 'chart'] as const).map((t) => (
          <button key={t} type="button" role="tab" data-testid={`tab-${t}`} aria-selected={tab === t} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </div>
      {tab === 'value' ? (
        message || !loaded ? (
          <>
            {message ? <MessageFacts message={message} count={count} /> : null}
            {/* The core sends each new value decoded with the message itself: no decode round trip per value. */}
            <PayloadView key={topic} connectionId={connectionId} topic={topic} n={message?.n} decoded={message?.decoded} />
          </>
        ) : (
          <p className="note">No message on this exact topic yet.</p>
        )
      ) : null}
      {tab === 'history' ? <HistoryPanel connectionId={connectionId} topic={topic} count={count} /> : null}
      {tab === 'chart' ? <SeriesChart connectionId={connectionId} topic={topic} field={chartField} /> : null}
    </section>
  );
}
