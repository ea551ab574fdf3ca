import { Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useStore } from '../../store/root-store';
import { Badge, Button, IconButton } from '../../ui';
import { deleteResponder, saveResponder, setResponderEnabled } from './actions';
import { placedError, scriptsSelectors } from './selectors';

/** Auto-responders: rules answering matching messages of every open connection, with their switches and counters. */
export function RespondersPanel(): React.JSX.Element {
  const responders = useStore(scriptsSelectors.responders);
  const busy = useStore(scriptsSelectors.busy);
  const [filter, setFilter] = useState('');
  const [topic, setTopic] = useState('');
  const [kind, setKind] = useState<'template' | 'script'>('template');
  const [body, setBody] = useState('{"ok": true, "at": "{{timestamp}}"}');
  const [perSecond, setPerSecond] = useState(10);

  return (
    <section className="scripts-section" data-testid="responders-panel">
      <form
        className="responder-form"
        onSubmit={(e) => {
          e.preventDefault();
          void saveResponder({
            filter,
            ...(topic.trim() === '' ? {} : { topic: topic.trim() }),
            response: kind === 'template' ? { kind, payload: body } : { kind, source: body },
            perSecond,
          }).then((ok) => ok && setFilter(''));
        }}
      >
        <div className="publish-row">
          <label>
            When a message matches <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="devices/+/get" data-testid="responder-filter" className="topic" />
          </label>
          <label>
            answer on <input value={topic} onChange={(e) => setTopic(e.target.value)} placeholder="its MQTT 5 response topic" data-testid="responder-topic" className="topic" />
          </label>
          <label>
            with a{' '}
            <select value={kind} onChange={(e) => setKind(e.target.value as 'template' | 'script')} data-testid="responder-kind">
              <option value="template">template</option>
              <option value="script">script</option>
            </select>
          </label>
          <label>
            at most <input type="number" min={0.1} max={1000} step="any" value={perSecond} onChange={(e) => setPerSecond(Number(e.target.value))} className="number" data-testid="responder-rate" /> /s
          </label>
        </div>
        <textarea
          className="proto-text"
          rows={4}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          spellCheck={false}
          aria-label={kind === 'template' ? 'The response template ({{timestamp}}, {{uuid}}, {{counter}} …)' : 'The response script: it returns the payload; msg is the request'}
          data-testid="responder-body"
        />
        <Button type="submit" variant="primary" disabled={busy || filter === ''} data-testid="responder-save">
          Add rule
        </Button>
      </form>
      {responders.length === 0 ? <p className="note">No rules. A rule answers matching messages on the connection they came in on, to a fixed topic or the request’s MQTT 5 response topic with its correlation data.</p> : null}
      <table className="responders" data-testid="responder-list">
        <tbody>
          {responders.map((r) => (
            <tr key={r.id} data-testid="responder-row" data-filter={r.filter}>
              <td>
                <input type="checkbox" checked={r.enabled} aria-label={`Enable the rule for ${r.filter}`} onChange={(e) => void setResponderEnabled(r.id, e.target.checked)} data-testid="responder-enabled" />
              </td>
              <td className="binding-filter">{r.filter}</td>
              <td>→ {r.topic ?? 'response topic'}</td>
              <td>{r.response.kind}</td>
              <td data-testid="responder-counters" data-responded={r.counters.responded}>
                {r.counters.matched} matched · {r.counters.responded} answered · {r.counters.declined} declined · {r.counters.noResponseTopic} without response topic · {r.counters.rateLimited} over the rate · {r.counters.failed} failed
              </td>
              <td>
                {r.problem ? (
                  <Badge tone="danger" title={placedError(r.problem)} data-testid="responder-problem">
                    {placedError(r.problem)}
                  </Badge>
                ) : r.counters.lastError ? (
                  <span className="error">{r.counters.lastError}</span>
                ) : null}
              </td>
              <td>
                <IconButton icon={Trash2} label="Delete the rule" size="sm" variant="danger" onClick={() => void deleteResponder(r.id)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
