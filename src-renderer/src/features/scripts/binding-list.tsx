import { Plus } from 'lucide-react';
import { useStore } from '../../store/root-store';
import { Badge, IconButton } from '../../ui';
import { selectBinding, setBindingEnabled } from './actions';
import { decoderLabel, placedError, scriptsSelectors } from './selectors';

/** The decoder bindings in order (the first enabled match decodes a topic), each with its switch and any problem. */
export function BindingList(): React.JSX.Element {
  const bindings = useStore(scriptsSelectors.bindings);
  const selection = useStore(scriptsSelectors.selection);
  const loaded = useStore(scriptsSelectors.loaded);
  return (
    <div className="binding-list" data-testid="binding-list">
      <div className="pane-title">
        Decoder bindings
        <IconButton icon={Plus} label="Add binding" showLabel size="sm" data-testid="binding-add" onClick={() => selectBinding({ kind: 'new' })} />
      </div>
      {loaded && bindings.length === 0 ? (
        <p className="note scripts-empty">No bindings yet. Add one to decode a topic filter with a script, a Protobuf type or a built-in decoder; the tree and the inspector then show the decoded value.</p>
      ) : null}
      <ul>
        {bindings.map((b) => (
          <li key={b.id} className={selection.kind === 'saved' && selection.id === b.id ? 'selected' : ''} data-testid="binding-row" data-filter={b.filter}>
            <input type="checkbox" aria-label={`Enable the binding for ${b.filter}`} checked={b.enabled} onChange={(e) => void setBindingEnabled(b, e.target.checked)} data-testid="binding-row-enabled" />
            <button type="button" className="binding-open" onClick={() => selectBinding({ kind: 'saved', id: b.id })}>
              <span className="binding-filter">{b.filter}</span>
              <span className="binding-kind">{decoderLabel(b)}</span>
            </button>
            {b.problem ? (
              <Badge tone="danger" title={placedError(b.problem)} data-testid="binding-row-problem">
                not in force
              </Badge>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
