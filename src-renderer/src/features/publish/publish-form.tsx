import { MessageSquareReply } from 'lucide-react';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { TopiaryError, type ErrorData } from '../../../../shared/ipc/errors';
import type { ComposedMessage, ComposeResult, Draft, PayloadSpec, RequestResult } from '../../../../shared/ipc/publish';
import { checkPublishTopic } from '../../../../shared/publish/publish-topic-check';
import { PLACEHOLDER_HELP } from '../../../../shared/publish/template';
import type { CodeEditorHandle, EditorLanguage } from '../editor/code-editor';
import { LazyCodeEditor } from '../editor/lazy-code-editor';
import { TabFocusHint } from '../editor/tab-focus-hint';
import * as publishActions from './actions';
import { useStore } from '../../store/root-store';
import { connectionsSelectors } from '../connections/selectors';
import { TopicPin, useFollowedTopic } from './follow-topic';
import { JobControls } from './job-controls';
import { EMPTY_PROPERTIES, fromProperties, PropertiesEditor, toProperties, type PropertiesDraft } from './properties-editor';
import { SavedAndHistory } from './saved-and-history';
import { TopicInput } from './topic-input';
import { TransformSection } from './transform-section';
import { IconButton } from '../../ui/icon-button';
import { useCompact } from '../../ui/use-compact';
import { useStableCallback } from '../../lib/use-stable-callback';
import './publish.css';

/** Below this the topic box is too short to read a topic in, so Request shrinks to an icon. */
const TOPIC_MIN_PX = 160;

type Form = PayloadSpec['form'];
type Encoding = 'json' | 'cbor' | 'msgpack';

const DEFAULT_TEXT = '{\n  "hello": "world"\n}';

function toError(e: unknown): ErrorData {
  return e instanceof TopiaryError ? e.toData() : { code: 'INTERNAL_ERROR', message: String(e) };
}

function describeAck(r: ComposeResult): string {
  if (r.queued) return 'Queued: the connection is down; it goes out in order on reconnect.';
  if (r.ack === 'none') return `Sent to ${r.topic} (${r.bytes} B; QoS 0 has no acknowledgement).`;
  const rec = r.pubrec ? `PUBREC · ${r.pubrec.reason} (0x${r.pubrec.reasonCode.toString(16).padStart(2, '0')}) after ${r.pubrec.afterMs} ms → ` : '';
  return `${rec}${r.ack} · packet ${r.packetId ?? '?'} · ${r.reason ?? 'accepted'}${r.reasonCode !== undefined ? ` (0x${r.reasonCode.toString(16).padStart(2, '0')})` : ''} · ${r.roundTripMs.toFixed(1)} ms · ${r.bytes} B to ${r.topic}`;
}

/** The composer: topic, payload (Monaco), options, MQTT 5 properties, templates, repeat/burst, request/response, saved and history. */
export function PublishForm(): React.JSX.Element {
  const active = useStore(connectionsSelectors.active);
  const connectionId = active?.connectionId ?? null;
  const scope = active ? `conn:${active.url}` : 'global';
  const [topic, setTopic] = useState('topiary/test');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [retain, setRetain] = useState(false);
  const [form, setForm] = useState<Form>('json');
  const [encoding, setEncoding] = useState<Encoding>('json');
  const [language, setLanguage] = useState<EditorLanguage>('json');
  const [proto, setProto] = useState('');
  const [messageType, setMessageType] = useState('');
  const [file, setFile] = useState<{ bytes: Uint8Array<ArrayBuffer>; name: string } | null>(null);
  const [properties, setProperties] = useState<PropertiesDraft>(EMPTY_PROPERTIES);
  const [result, setResult] = useState<ComposeResult | null>(null);
  const [reply, setReply] = useState<RequestResult | null>(null);
  const [error, setError] = useState<ErrorData | null>(null);
  const [markers, setMarkers] = useState(0);
  const [busy, setBusy] = useState(false);
  const [historyVersion, setHistoryVersion] = useState(0);
  const follow = useFollowedTopic(setTopic);
  const payload = useRef(DEFAULT_TEXT);
  const editor = useRef<CodeEditorHandle | null>(null);
  const topicCheck = checkPublishTopic(topic);
  const connected = active?.state === 'connected';
  // While the connection is away the core queues a single publish and sends it on reconnect.
  const queueable = connected || active?.state === 'reconnecting';
  const v5 = active?.protocolVersion === 5;

  const spec = (): PayloadSpec | null => {
    switch (form) {
      case 'text':
      case 'hex':
      case 'base64':
        return { form, text: payload.current };
      case 'json':
        return { form, text: payload.current, encoding };
      case 'protobuf':
        return { form, text: payload.current, proto, messageType };
      case 'file':
        return file ? { form, bytes: file.bytes, name: file.name } : null;
    }
  };

  const message = (): ComposedMessage | null => {
    const p = spec();
    if (!p) return null;
    const props = v5 ? toProperties(properties) : undefined;
    return { topic, payload: p, qos, retain, ...(props ? { properties: props } : {}), ...publishActions.payloadScript() };
  };

  const setEditorText = (text: string): void => {
    payload.current = text;
    if (editor.current && editor.current.getValue() !== text) editor.current.setValue(text);
  };

  const load = (m: ComposedMessage): void => {
    setTopic(m.topic);
    setQos((m.qos ?? 0) as 0 | 1 | 2);
    setRetain(m.retain ?? false);
    setForm(m.payload.form);
    if (m.payload.form === 'file') setFile({ bytes: m.payload.bytes as Uint8Array<ArrayBuffer>, name: m.payload.name ?? 'file' });
    else setEditorText(m.payload.text);
    if (m.payload.form === 'json') setEncoding(m.payload.encoding ?? 'json');
    if (m.payload.form === 'protobuf') {
      setProto(m.payload.proto);
      setMessageType(m.payload.messageType);
    }
    setLanguage(m.payload.form === 'json' || m.payload.form === 'protobuf' ? 'json' : 'plaintext');
    setProperties(fromProperties(m.properties));
    publishActions.loadPayloadScript(m.transform);
  };

  const send = async (m: ComposedMessage | null): Promise<void> => {
    if (!connectionId || !m) return;
    setError(null);
    setResult(null);
    setReply(null);
    setBusy(true);
    try {
      setResult(await publishActions.compose({ connectionId, ...m }));
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
      setHistoryVersion((v) => v + 1);
    }
  };

  const request = async (): Promise<void> => {
    const m = message();
    if (!connectionId || !m) return;
    setError(null);
    setResult(null);
    setReply(null);
    setBusy(true);
    try {
      const { responseTopic, correlationData, ...rest } = m.properties ?? {};
      const r = await publishActions.request({
        connectionId,
        ...m,
        ...(Object.keys(rest).length > 0 ? { properties: rest } : { properties: undefined }),
        responseTopic: responseTopic ?? `${topic}/reply`,
        ...(correlationData ? { correlation: new TextDecoder().decode(correlationData) } : {}),
      });
      setReply(r);
      setResult(r.sent);
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
      setHistoryVersion((v) => v + 1);
    }
  };

  const onSubmit = (event?: FormEvent): void => {
    event?.preventDefault();
    if (!queueable || !topicCheck.ok || busy) return;
    void send(message());
  };

  // Monaco's key binding is registered once; it must call the latest submit.
  const submitRef = useRef(onSubmit);
  submitRef.current = onSubmit;

  // Drafts: load once per scope, then save a moment after the last change.
  const draftLoaded = useRef<string | null>(null);
  useEffect(() => {
    let current = true;
    draftLoaded.current = null;
    publishActions
      .loadDraft(scope)
      .then((d) => {
        if (!current) return;
        if (d) {
          setTopic(d.topic);
          setQos(d.qos as 0 | 1 | 2);
          setRetain(d.retain);
          setForm(d.form);
          setLanguage(d.language);
          if (d.encoding) setEncoding(d.encoding);
          setProto(d.proto ?? '');
          setMessageType(d.messageType ?? '');
          setProperties(fromProperties(d.properties));
          setEditorText(d.text);
        }
        draftLoaded.current = scope;
      })
      .catch(() => (draftLoaded.current = scope));
    return () => {
      current = false;
    };
  }, [scope]);

  const saveDraft = useCallback(() => {
    if (draftLoaded.current !== scope) return;
    const props = toProperties(properties);
    const draft: Draft = {
      topic,
      text: payload.current,
      language,
      form,
      encoding,
      qos,
      retain,
      ...(proto !== '' ? { proto } : {}),
      ...(messageType !== '' ? { messageType } : {}),
      ...(props ? { properties: props } : {}),
    };
    void publishActions.saveDraft(scope, draft).catch(() => undefined);
  }, [scope, topic, language, form, encoding, qos, retain, proto, messageType, properties]);

  // Typing must not re-render the form: the text stays in Monaco, and only a timer is reset per keystroke.
  const draftTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const saveDraftRef = useRef(saveDraft);
  saveDraftRef.current = saveDraft;
  const scheduleDraft = useCallback(() => {
    clearTimeout(draftTimer.current);
    draftTimer.current = setTimeout(() => saveDraftRef.current(), 400);
  }, []);
  useEffect(() => {
    scheduleDraft();
  }, [saveDraft, scheduleDraft]);
  useEffect(() => () => clearTimeout(draftTimer.current), []);

  // The parts below the topic are memos, handed functions that keep their identity: a click in the tree moves the
  // topic (and so every closure here), and should re-render the topic's field, not the whole composer.
  const currentMessage = useStableCallback(message);
  const loadMessage = useStableCallback(load);
  const resend = useStableCallback((m: ComposedMessage) => void send(m));
  const onEditorChange = useCallback(
    (text: string) => {
      payload.current = text;
      scheduleDraft();
    },
    [scheduleDraft],
  );
  const onEditorSubmit = useCallback(() => submitRef.current(), []);
  const onEditorReady = useCallback((e: CodeEditorHandle) => {
    editor.current = e;
    if (e.getValue() !== payload.current) e.setValue(payload.current);
  }, []);

  const onFile = async (chosen: File | undefined): Promise<void> => {
    if (!chosen) return;
    setFile({ bytes: new Uint8Array(await chosen.arrayBuffer()), name: chosen.name });
  };

  const firstRow = useRef<HTMLDivElement>(null);
  const topicField = useRef<HTMLDivElement>(null);
  const compact = useCompact(firstRow, topicField, TOPIC_MIN_PX);

  const ready = topicCheck.ok && (form !== 'file' || file !== null);
  const canSend = connected && ready;
  const canPublish = queueable && ready;
  return (
    <form className="publish" data-testid="publish-form" onSubmit={onSubmit}>
      <div className="publish-row" ref={firstRow} data-compact={compact}>
        <TopicInput value={topic} onChange={setTopic} connectionId={connectionId} fieldRef={topicField} />
        <TopicPin {...follow} />
        <select aria-label="QoS" data-testid="publish-qos" value={qos} onChange={(e) => setQos(Number(e.target.value) as 0 | 1 | 2)}>
          <option value={0}>QoS 0</option>
          <option value={1}>QoS 1</option>
          <option value={2}>QoS 2</option>
        </select>
        <label>
          <input type="checkbox" data-testid="publish-retain" checked={retain} onChange={(e) => setRetain(e.target.checked)} /> retain
        </label>
        <button type="submit" className="primary" data-testid="publish-button" disabled={!canPublish || busy} title="Publish (Ctrl/Cmd+Enter in the editor)">
          Publish
        </button>
        {compact ? (
          <IconButton icon={MessageSquareReply} label="Request: publish with a response topic and wait for the reply (MQTT 5)" data-testid="request-button" disabled={!canSend || busy || !v5} onClick={() => void request()} />
        ) : (
          <button type="button" data-testid="request-button" disabled={!canSend || busy || !v5} title="MQTT 5: publish with a response topic and wait for the matching reply" onClick={() => void request()}>
            Request
          </button>
        )}
      </div>
      <div className="publish-row payload-row">
        <select
          aria-label="Payload form"
          data-testid="payload-form"
          value={form}
          onChange={(e) => {
            const next = e.target.value as Form;
            setForm(next);
            if (next === 'json' || next === 'protobuf') setLanguage('json');
            else if (language === 'json') setLanguage('plaintext');
          }}
        >
          <option value="json">JSON</option>
          <option value="text">Text</option>
          <option value="hex">Hex</option>
          <option value="base64">Base64</option>
          <option value="file">File</option>
          <option value="protobuf">Protobuf (from JSON)</option>
        </select>
        {form === 'json' ? (
          <select aria-label="Encode JSON as" data-testid="payload-encoding" value={encoding} onChange={(e) => setEncoding(e.target.value as Encoding)}>
            <option value="json">as JSON</option>
            <option value="cbor">as CBOR</option>
            <option value="msgpack">as MessagePack</option>
          </select>
        ) : null}
        <select aria-label="Editor language" data-testid="publish-language" value={language} onChange={(e) => setLanguage(e.target.value as EditorLanguage)}>
          <option value="json">JSON</option>
          <option value="plaintext">Text</option>
          <option value="xml">XML</option>
          <option value="yaml">YAML</option>
        </select>
        <button type="button" data-testid="format-button" disabled={language !== 'json'} onClick={() => void editor.current?.getAction('editor.action.formatDocument')?.run()}>
          Format
        </button>
        <details className="template-help" data-testid="template-help">
          <summary>Placeholders</summary>
          <div className="template-help-body">
            <table>
              <tbody>
                {PLACEHOLDER_HELP.map(([syntax, meaning]) => (
                  <tr key={syntax}>
                    <td>
                      <code>{syntax}</code>
                    </td>
                    <td>{meaning}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            Filled at send time in the topic and the payload; with repeat and burst, each message gets its own.
            {connectionId ? (
              <div>
                <button type="button" className="subtle" data-testid="counter-reset" onClick={() => void publishActions.resetCounter(connectionId, topic).then(() => setResult(null))}>
                  Reset {'{{counter}}'} for this topic
                </button>
              </div>
            ) : null}
          </div>
        </details>
      </div>
      {form === 'file' ? (
        <div className="publish-row">
          <input type="file" aria-label="Payload file" data-testid="payload-file" onChange={(e) => void onFile(e.target.files?.[0])} />
          {file ? <span data-testid="payload-file-info">{`${file.name}: ${file.bytes.length.toLocaleString()} bytes`}</span> : <span className="muted">Choose a file; its bytes are sent as they are.</span>}
        </div>
      ) : null}
      {form === 'protobuf' ? (
        <div className="publish-row protobuf-schema">
          <textarea aria-label=".proto schema" data-testid="payload-proto" placeholder='syntax = "proto3"; message Reading { double value = 1; }' value={proto} onChange={(e) => setProto(e.target.value)} />
          <input aria-label="Message type" data-testid="payload-message-type" placeholder="Reading" value={messageType} onChange={(e) => setMessageType(e.target.value)} />
        </div>
      ) : null}
      <div className="editor" data-testid="payload-editor" data-markers={markers} hidden={form === 'file'}>
        <LazyCodeEditor language={language} defaultValue={payload.current} onChange={onEditorChange} onMarkers={setMarkers} ariaLabel="Payload" onSubmit={onEditorSubmit} onReady={onEditorReady} />
      </div>
      {form === 'file' ? null : <TabFocusHint id="payload-tab-hint" />}
      <PropertiesEditor value={properties} onChange={setProperties} enabled={v5 || !active} />
      <TransformSection connectionId={connectionId} message={currentMessage} />
      <JobControls connectionId={connectionId} canSend={canSend} message={currentMessage} />
      {result ? (
        <div className="ok" data-testid="publish-result" data-ack={result.ack} data-reason-code={result.reasonCode} data-counter={result.counter}>
          {describeAck(result)}
        </div>
      ) : null}
      {reply ? (
        <div className="ok" data-testid="publish-reply">
          Reply on {reply.reply.topic} after {reply.latencyMs.toFixed(1)} ms (correlation {reply.correlation}):{' '}
          <code data-testid="publish-reply-payload">{new TextDecoder().decode(reply.reply.payload).slice(0, 2_000)}</code>
        </div>
      ) : null}
      {error ? (
        <div className="error" role="alert" data-testid="publish-error" data-code={error.code}>
          <strong>{error.code}</strong> {error.message}
        </div>
      ) : null}
      <SavedAndHistory scope={scope} version={historyVersion} onLoad={loadMessage} onResend={resend} current={currentMessage} />
    </form>
  );
}
