import { useEffect, useRef, useState } from 'react';
import type { ConnectionId, Qos } from '../../../../shared/ipc/common';
import type { DecodedView, DecoderChoice } from '../../../../shared/ipc/explorer';
import { decodeGivenPayload, decodePayload } from './actions';
import { chart } from '../explorer/actions';
import { JsonTree } from './json-tree';

const KINDS: readonly DecoderChoice[] = ['auto', 'text', 'json', 'hex', 'base64', 'cbor', 'msgpack', 'sparkplug', 'protobuf'];
const STRUCTURED = new Set(['json', 'cbor', 'msgpack', 'sparkplug', 'protobuf']);
/** A message held by the window rather than the core's explorer (a History result): its bytes go with each decode. */
export interface GivenPayload {
  readonly payload: Uint8Array;
  readonly qos: Qos;
  readonly retain: boolean;
}

type PayloadViewProps =
  /**
   * The live inspector: the core holds the message, named by connection, topic and number; `decoded` is the view the
   * core sent with it (`auto`), shown as it is unless the user asks for another one.
   */
  | { readonly connectionId: ConnectionId; readonly topic: string; readonly n: number | undefined; readonly decoded?: DecodedView | undefined; readonly given?: undefined }
  /** A message given by value; `n` names it (a History result's id), so a newer pick's answer is never overwritten. */
  | { readonly connectionId?: undefined; readonly topic: string; readonly n: number; readonly decoded?: undefined; readonly given: GivenPayload };

/** The payload decoded as the user picks ("Show as"), with the user's decoder bindings for `auto`. */
export function PayloadView({ connectionId, topic, n, decoded, given }: PayloadViewProps): React.JSX.Element {
  const [kind, setKind] = useState<DecoderChoice>('auto');
  const [full, setFull] = useState(false);
  const [proto, setProto] = useState('');
  const [messageType, setMessageType] = useState('');
  const [asked, setAsked] = useState<DecodedView | null>(null);
  const [asTree, setAsTree] = useState(false);
  // One decode in flight at a time, always of the newest message: a busy topic is re-decoded as soon as the
  // previous answer is in (its round trip is the only spacing), so what is shown is never more than one answer old.
  // Answers are numbered so a newer message's decode is never overwritten by an older one's.
  const sent = useRef(0);
  const shown = useRef(0);
  const settings = useRef(0);
  const inFlight = useRef(false);
  const ask = useRef<(() => void) | null>(null);

  useEffect(() => setFull(false), [topic, kind]);

  useEffect(() => {
    // New settings are a new question: an answer to the old one is dropped when it comes.
    settings.current++;
  }, [kind, full, proto, messageType]);

  // The default view of the live message comes with it; before the message is known there is nothing to ask for.
  const carried = given === undefined && kind === 'auto' && !full;
  const view = (carried ? decoded : undefined) ?? asked;

  useEffect(() => {
    if (carried && (decoded !== undefined || n === undefined)) {
      // Shown as sent: an answer still in flight (for an older message or other settings) must not replace it.
      shown.current = ++sent.current;
      return;
    }
    const epoch = settings.current;
    const decode = (): void => {
      if (inFlight.current) return;
      ask.current = null;
      inFlight.current = true;
      const seq = ++sent.current;
      const current = (): boolean => settings.current === epoch && seq > shown.current;
      const protobuf = kind === 'protobuf' && proto !== '' && messageType !== '' ? { proto, messageType } : undefined;
      const options = { kind, ...(full ? { full: true } : {}), ...(protobuf ? { protobuf } : {}) };
      // Bytes from the wire are always on an ArrayBuffer; the contract's type says so, the held type does not.
      const asked = given
        ? decodeGivenPayload({ topic, payload: given.payload as Uint8Array<ArrayBuffer>, qos: given.qos, retain: given.retain, ...options })
        : decodePayload({ connectionId, topic, ...(n !== undefined ? { n } : {}), ...options });
      asked
        .then((v) => {
          if (!current()) return;
          shown.current = seq;
          setAsked(v);
        })
        .catch((e: unknown) => {
          // Before the first message is known a missing topic is not an error worth showing.
          if (!current() || n === undefined) return;
          shown.current = seq;
          setAsked({ ok: false, kind: kind === 'auto' ? 'hex' : kind, error: e instanceof Error ? e.message : String(e) });
        })
        .finally(() => {
          inFlight.current = false;
          // A newer message (or new settings) arrived while this one was decoded: ask for it now.
          ask.current?.();
        });
    };
    ask.current = decode;
    decode();
    return () => {
      if (ask.current === decode) ask.current = null;
    };
  }, [connectionId, given, topic, n, decoded, carried, kind, full, proto, messageType]);

  return (
    <div className="payload-view">
      <div className="actions">
        <label>
          Show as{' '}
          <select aria-label="Decoder" data-testid="payload-decoder" value={kind} onChange={(e) => setKind(e.target.value as DecoderChoice)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {view?.ok && STRUCTURED.has(view.kind) ? (
          <label className="check">
            <input type="checkbox" data-testid="payload-as-tree" checked={asTree} onChange={(e) => setAsTree(e.target.checked)} /> tree
          </label>
        ) : null}
        <span className="note" data-testid="inspector-format">
          {view?.kind ?? ''}
        </span>
      </div>
      {kind === 'protobuf' ? (
        <div className="actions">
          <textarea aria-label=".proto schema" data-testid="proto-schema" placeholder='syntax = "proto3"; message Reading { double value = 1; }' rows={3} cols={50} value={proto} onChange={(e) => setProto(e.target.value)} />
          <input aria-label="Message type" data-testid="proto-type" placeholder="Reading" value={messageType} onChange={(e) => setMessageType(e.target.value)} />
        </div>
      ) : null}
      {view === null ? null : view.ok ? (
        <>
          {asTree && STRUCTURED.has(view.kind) && view.value !== undefined ? <JsonTree value={view.value} {...(connectionId !== undefined ? { onChart: (field: string) => chart(topic, field) } : {})} /> : null}
          <pre className={`payload payload-${view.kind}`} data-testid="inspector-payload" hidden={asTree && STRUCTURED.has(view.kind) && view.value !== undefined}>
            {view.text}
          </pre>
          {view.warnings.map((w) => (
            <p key={w} className="note">
              {w}
            </p>
          ))}
          {view.truncated ? (
            <p className="note" data-testid="payload-truncated">
              Only the first part of {view.totalBytes} bytes is shown.{' '}
              <button type="button" className="subtle" data-testid="payload-show-all" onClick={() => setFull(true)}>
                Show all
              </button>
            </p>
          ) : null}
        </>
      ) : (
        <p className="error" data-testid="payload-error">
          {view.error}
        </p>
      )}
    </div>
  );
}
