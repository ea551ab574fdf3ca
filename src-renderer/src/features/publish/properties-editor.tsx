import { memo } from 'react';
import type { MessageProperties } from '../../../../shared/ipc/common';
import type { ComposedMessage } from '../../../../shared/ipc/publish';

/** Properties as a request carries them. */
export type SendProperties = NonNullable<ComposedMessage['properties']>;

/** The MQTT 5 publish properties as the form holds them (text fields, parsed at send time). */
export interface PropertiesDraft {
  readonly payloadFormatIndicator: boolean;
  readonly contentType: string;
  readonly messageExpiryInterval: string;
  readonly topicAlias: string;
  readonly responseTopic: string;
  readonly correlationData: string;
  readonly userProperties: readonly (readonly [string, string])[];
}

export const EMPTY_PROPERTIES: PropertiesDraft = {
  payloadFormatIndicator: false,
  contentType: '',
  messageExpiryInterval: '',
  topicAlias: '',
  responseTopic: '',
  correlationData: '',
  userProperties: [],
};

/** The draft as contract properties; undefined when nothing is set. */
export function toProperties(draft: PropertiesDraft): SendProperties | undefined {
  const out: SendProperties = {};
  if (draft.payloadFormatIndicator) out.payloadFormatIndicator = true;
  if (draft.contentType !== '') out.contentType = draft.contentType;
  if (draft.messageExpiryInterval.trim() !== '') out.messageExpiryInterval = Number(draft.messageExpiryInterval);
  if (draft.topicAlias.trim() !== '') out.topicAlias = Number(draft.topicAlias);
  if (draft.responseTopic !== '') out.responseTopic = draft.responseTopic;
  if (draft.correlationData !== '') out.correlationData = new TextEncoder().encode(draft.correlationData);
  const pairs = draft.userProperties.filter(([k]) => k !== '');
  if (pairs.length > 0) out.userProperties = pairs.map(([k, v]) => [k, v]);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Contract properties back into the form (saved messages, history). */
export function fromProperties(p: MessageProperties | undefined): PropertiesDraft {
  if (!p) return EMPTY_PROPERTIES;
  return {
    payloadFormatIndicator: p.payloadFormatIndicator ?? false,
    contentType: p.contentType ?? '',
    messageExpiryInterval: p.messageExpiryInterval !== undefined ? String(p.messageExpiryInterval) : '',
    topicAlias: p.topicAlias !== undefined ? String(p.topicAlias) : '',
    responseTopic: p.responseTopic ?? '',
    correlationData: p.correlationData ? new TextDecoder().decode(p.correlationData) : '',
    userProperties: p.userProperties ?? [],
  };
}

export interface PropertiesEditorProps {
  readonly value: PropertiesDraft;
  readonly onChange: (next: PropertiesDraft) => void;
  readonly enabled: boolean;
}

/** Every MQTT 5 publish property; hidden behind a disclosure so the common case stays small. */
export const PropertiesEditor = memo(function PropertiesEditor({ value, onChange, enabled }: PropertiesEditorProps): React.JSX.Element {
  const set = <K extends keyof PropertiesDraft>(key: K, v: PropertiesDraft[K]): void => onChange({ ...value, [key]: v });
  const count = Object.keys(toProperties(value) ?? {}).length;
  return (
    <details className="publish-properties" data-testid="publish-properties">
      <summary>
        MQTT 5 properties{count > 0 ? ` (${count})` : ''}
        {!enabled ? <span className="muted"> — the connection speaks MQTT 3; properties are not sent</span> : null}
      </summary>
      <div className="properties-grid">
        <label>
          <input type="checkbox" data-testid="prop-payload-format" checked={value.payloadFormatIndicator} onChange={(e) => set('payloadFormatIndicator', e.target.checked)} /> payload is UTF-8 text
        </label>
        <label>
          Content type <input data-testid="prop-content-type" value={value.contentType} placeholder="application/json" onChange={(e) => set('contentType', e.target.value)} />
        </label>
        <label>
          Message expiry (s) <input data-testid="prop-expiry" inputMode="numeric" value={value.messageExpiryInterval} onChange={(e) => set('messageExpiryInterval', e.target.value.replace(/\D/g, ''))} />
        </label>
        <label>
          Topic alias <input data-testid="prop-topic-alias" inputMode="numeric" value={value.topicAlias} onChange={(e) => set('topicAlias', e.target.value.replace(/\D/g, ''))} />
        </label>
        <label>
          Response topic <input data-testid="prop-response-topic" value={value.responseTopic} onChange={(e) => set('responseTopic', e.target.value)} />
        </label>
        <label>
          Correlation data <input data-testid="prop-correlation" value={value.correlationData} placeholder="text, sent as UTF-8" onChange={(e) => set('correlationData', e.target.value)} />
        </label>
      </div>
      <div className="user-properties" data-testid="prop-user-properties">
        User properties
        {value.userProperties.map(([k, v], i) => (
          <div className="publish-row" key={i}>
            <input aria-label="User property key" data-testid="prop-user-key" value={k} onChange={(e) => set('userProperties', value.userProperties.map((p, j) => (j === i ? [e.target.value, p[1]] : p)))} />
            <input aria-label="User property value" data-testid="prop-user-value" value={v} onChange={(e) => set('userProperties', value.userProperties.map((p, j) => (j === i ? [p[0], e.target.value] : p)))} />
            <button type="button" aria-label="Remove user property" onClick={() => set('userProperties', value.userProperties.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        ))}
        <button type="button" data-testid="prop-user-add" onClick={() => set('userProperties', [...value.userProperties, ['', '']])}>
          + user property
        </button>
      </div>
    </details>
  );
});
