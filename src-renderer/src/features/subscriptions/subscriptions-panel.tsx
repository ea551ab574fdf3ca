import { useCallback, useEffect, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { ErrorData } from '../../../../shared/ipc/errors';
import type { ExplorerSubscription, SubscriptionOutcome } from '../../../../shared/ipc/explorer';
import { checkTopicFilter } from '../../../../shared/mqtt/topic-rules';
import { fetchSubscriptions, subscribe as subscribeTo, unsubscribe } from './actions';
import { toErrorData as errorData } from '../../lib/error-data';
import { useStore } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';

interface Draft {
  filter: string;
  qos: 0 | 1 | 2;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionIdentifier: string;
}

const BLANK: Draft = { filter: '', qos: 0, noLocal: false, retainAsPublished: true, retainHandling: 0, subscriptionIdentifier: '' };
const SUGGESTED = ['#', '$SYS/#'];

function toSubscription(d: Draft): ExplorerSubscription {
  const id = Number(d.subscriptionIdentifier);
  return {
    filter: d.filter,
    qos: d.qos,
    noLocal: d.noLocal,
    retainAsPublished: d.retainAsPublished,
    retainHandling: d.retainHandling,
    ...(d.subscriptionIdentifier !== '' && Number.isInteger(id) && id > 0 ? { subscriptionIdentifier: id } : {}),
  };
}

function toDraft(s: ExplorerSubscription): Draft {
  return {
    filter: s.filter,
    qos: s.qos,
    noLocal: s.noLocal ?? false,
    retainAsPublished: s.retainAsPublished ?? true,
    retainHandling: s.retainHandling ?? 0,
    subscriptionIdentifier: s.subscriptionIdentifier !== undefined ? String(s.subscriptionIdentifier) : '',
  };
}

const RETAIN_HANDLING = ['retained: always', 'retained: only new subscriptions', 'retained: never'] as const;

/** A subscription's MQTT 5 options, written out. */
export function subscriptionOptionsText(s: ExplorerSubscription): string {
  return [
    s.noLocal ? 'no local' : '',
    s.retainAsPublished === false ? '' : 'retain as published',
    RETAIN_HANDLING[s.retainHandling ?? 0],
    s.subscriptionIdentifier ? `identifier ${s.subscriptionIdentifier}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** The connection's subscriptions while connected: add, edit (unsubscribe + subscribe), remove; SUBACK refusals shown. */
export function SubscriptionsPanel({ connectionId }: { readonly connectionId: ConnectionId }): React.JSX.Element {
  const [list, setList] = useState<readonly ExplorerSubscription[]>([]);
  const [draft, setDraft] = useState<Draft>(BLANK);
  const [editing, setEditing] = useState<string | null>(null);
  const [refusals, setRefusals] = useState<readonly SubscriptionOutcome[]>([]);
  const [error, setError] = useState<ErrorData | null>(null);
  // The broker's verdict on each filter, from the connection's last SUBACKs (refusals at connect included).
  const verdicts = useStore((s) => connectionsSelectors.subscriptionsOf(s, connectionId));
  // No local, retain as published, retain handling and subscription identifiers exist only in MQTT 5.
  const mqtt5 = useStore((s) => (connectionsSelectors.byId(s)[connectionId]?.protocolVersion ?? 5) === 5);

  const reload = useCallback(() => {
    void fetchSubscriptions(connectionId).then(setList, (e: unknown) => setError(errorData(e)));
  }, [connectionId]);
  useEffect(reload, [reload]);

  const check = draft.filter === '' ? { ok: false, message: undefined } : checkTopicFilter(draft.filter);

  const subscribe = async (subscription: ExplorerSubscription): Promise<void> => {
    setError(null);
    setRefusals([]);
    try {
      if (editing !== null) await unsubscribe(connectionId, [editing]);
      const outcomes = await subscribeTo(connectionId, [subscription]);
      setRefusals(outcomes.filter((o) => !o.ok));
      if (outcomes.every((o) => o.ok)) {
        setDraft(BLANK);
        setEditing(null);
      }
    } catch (e) {
      setError(errorData(e));
    }
    reload();
  };

  const remove = async (filter: string): Promise<void> => {
    setError(null);
    try {
      await unsubscribe(connectionId, [filter]);
    } catch (e) {
      setError(errorData(e));
    }
    reload();
  };

  return (
    <div className="subscriptions" data-testid="subscriptions-panel">
      <table>
        <thead>
          <tr>
            <th>Filter</th>
            <th>QoS</th>
            <th>Options</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.map((s) => {
            const verdict = verdicts.find((v) => v.filter === s.filter);
            return (
            <tr key={s.filter} data-testid="subscription-row" data-filter={s.filter} data-state={verdict?.state ?? 'pending'} className={verdict?.state === 'refused' ? 'refused' : undefined}>
              <td className="filter">
                {s.filter}
                {verdict?.state === 'refused' ? (
                  <div className="error" data-testid="subscription-row-refused" data-reason-code={verdict.reasonCode}>
                    {verdict.reason ?? 'Refused by the broker.'}
                  </div>
                ) : null}
              </td>
              <td>{s.qos}</td>
              <td>
                {mqtt5 ? subscriptionOptionsText(s) : ''}
              </td>
              <td>
                <button type="button" className="subtle" aria-label={`Edit subscription ${s.filter}`} onClick={() => (setEditing(s.filter), setDraft(toDraft(s)))}>
                  Edit
                </button>
                <button type="button" className="subtle" data-testid="subscription-remove" aria-label={`Remove subscription ${s.filter}`} onClick={() => void remove(s.filter)}>
                  Remove
                </button>
              </td>
            </tr>
            );
          })}
        </tbody>
      </table>
      <div className="toolbar-row">
        <input
          className="filter-input"
          data-testid="subscription-filter"
          aria-label="Subscription filter"
          placeholder="topic/filter/#"
          value={draft.filter}
          onChange={(e) => setDraft({ ...draft, filter: e.target.value })}
          aria-invalid={draft.filter !== '' && !check.ok}
        />
        <select aria-label="QoS" data-testid="subscription-qos" value={draft.qos} onChange={(e) => setDraft({ ...draft, qos: Number(e.target.value) as 0 | 1 | 2 })}>
          <option value={0}>QoS 0</option>
          <option value={1}>QoS 1</option>
          <option value={2}>QoS 2</option>
        </select>
        <button type="button" data-testid="subscription-add" disabled={!check.ok} onClick={() => void subscribe(mqtt5 ? toSubscription(draft) : { filter: draft.filter, qos: draft.qos })}>
          {editing !== null ? 'Save' : 'Subscribe'}
        </button>
      </div>
      {/* The MQTT 5 options on lines of their own, wrapping as the pane narrows, so none is cut off. */}
      {mqtt5 ? (
        <div className="subscription-options" data-testid="subscription-mqtt5-options">
          <label className="check" title="Do not send me back the messages this connection publishes">
            <input type="checkbox" data-testid="subscription-no-local" checked={draft.noLocal} onChange={(e) => setDraft({ ...draft, noLocal: e.target.checked })} />
            No local
          </label>
          <label className="check" title="Keep the retain flag as the publisher set it">
            <input type="checkbox" data-testid="subscription-retain-as-published" checked={draft.retainAsPublished} onChange={(e) => setDraft({ ...draft, retainAsPublished: e.target.checked })} />
            Retain as published
          </label>
          <label className="check">
            Send retained
            <select aria-label="Send retained messages" data-testid="subscription-retain-handling" value={draft.retainHandling} onChange={(e) => setDraft({ ...draft, retainHandling: Number(e.target.value) as 0 | 1 | 2 })}>
              <option value={0}>always</option>
              <option value={1}>only for a new subscription</option>
              <option value={2}>never</option>
            </select>
          </label>
          <input
            className="depth"
            aria-label="Subscription identifier"
            placeholder="Identifier"
            value={draft.subscriptionIdentifier}
            onChange={(e) => setDraft({ ...draft, subscriptionIdentifier: e.target.value.replace(/\D/g, '') })}
          />
        </div>
      ) : (
        <span className="note" data-testid="subscription-mqtt3-note">
          No local, retain handling and identifiers need MQTT 5.
        </span>
      )}
      {SUGGESTED.some((f) => !list.some((s) => s.filter === f)) ? (
        <div className="subscription-options">
          {SUGGESTED.filter((f) => !list.some((s) => s.filter === f)).map((f) => (
            <button key={f} type="button" className="subtle" onClick={() => void subscribe({ filter: f, qos: 0, retainAsPublished: true })}>
              + {f}
            </button>
          ))}
        </div>
      ) : null}
      {draft.filter !== '' && !check.ok ? <div className="error">{check.message}</div> : null}
      {refusals.map((r) => (
        <div key={r.filter} className="error" data-testid="subscription-refused" data-reason-code={r.reasonCode}>
          {r.reason ?? `The broker refused "${r.filter}" (reason ${r.reasonCode}).`}
        </div>
      ))}
      {error ? (
        <div className="error" data-code={error.code}>
          {error.message}
        </div>
      ) : null}
    </div>
  );
}
