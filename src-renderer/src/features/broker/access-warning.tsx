import type { AccessPreview } from '../../../../shared/ipc/broker';
import { accessLossWhat, accessLossWho } from './access-loss-text';

/** A change that would take access away from connected clients, waiting for the user's word. */
export interface PendingChange<T = unknown> {
  readonly what: string;
  readonly preview: AccessPreview;
  readonly apply: () => Promise<T>;
}

/** Who would lose which access, Topiary's own connection named first, with Apply anyway and Cancel. */
export function AccessWarning({ pending, onApply, onCancel }: { readonly pending: PendingChange; readonly onApply: () => void; readonly onCancel: () => void }): React.JSX.Element {
  const { losses, topiaryAffected } = pending.preview;
  return (
    <div className="access-warning" role="alertdialog" aria-label="Confirm the access change" data-testid="broker-access-warning">
      <p>
        <strong>
          {pending.what} would take access away from {losses.length} connected client{losses.length === 1 ? '' : 's'}.
        </strong>
        {topiaryAffected
          ? " Topiary's own connection is among them: its tree stops receiving on those subscriptions, which are then shown as refused by the broker's access control. Add a rule that grants it, or apply anyway."
          : null}
      </p>
      <ul>
        {losses.map((l) => (
          <li key={l.clientId} data-testid="broker-access-loss" data-client-id={l.clientId} data-topiary={l.topiaryConnection !== undefined ? 'true' : 'false'}>
            <strong>{accessLossWho(l)}</strong>: {accessLossWhat(l).join(' ')}
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="danger" data-testid="broker-access-confirm" onClick={onApply}>
          Apply anyway
        </button>
        <button type="button" data-testid="broker-access-cancel" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
