import type { MessageView } from '../../../shared/ipc/common';
import type { ScriptMessage } from './script-types';

/** A received message as a script reads it (user properties gathered by name, repeated names as arrays). */
export function toScriptMessage(m: MessageView): ScriptMessage {
  const p = m.properties;
  const userProperties: Record<string, string | string[]> = {};
  for (const [key, value] of p?.userProperties ?? []) {
    const before = userProperties[key];
    userProperties[key] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return {
    topic: m.topic,
    payload: m.payload,
    qos: m.qos,
    retain: m.retain,
    ...(p === undefined
      ? {}
      : {
          properties: {
            ...(p.contentType === undefined ? {} : { contentType: p.contentType }),
            ...(p.responseTopic === undefined ? {} : { responseTopic: p.responseTopic }),
            ...(p.correlationData === undefined ? {} : { correlationData: p.correlationData }),
            ...(p.payloadFormatIndicator === undefined ? {} : { payloadFormatIndicator: p.payloadFormatIndicator }),
            ...(p.messageExpiryInterval === undefined ? {} : { messageExpiryInterval: p.messageExpiryInterval }),
            ...(Object.keys(userProperties).length > 0 ? { userProperties } : {}),
          },
        }),
  };
}
