import type { MessageProperties, MessageView } from '../../../shared/ipc/common';

/** MQTT 5 publish properties as the connection hands them over: the contract's own type. */
export type ExplorerPublishProperties = MessageProperties;

/**
 * The topic alias of properties that carry nothing else, else 0. A broker that aliases topics sends most messages
 * with only that: the index and the history keep it in a typed-array column instead of an object per message, which
 * under a flood lived past young-generation collections and made each of them longer.
 */
export function aliasOnly(p: ExplorerPublishProperties): number {
  if (p.topicAlias === undefined) return 0;
  for (const key in p) if (key !== 'topicAlias' && (p as Record<string, unknown>)[key] !== undefined) return 0;
  return p.topicAlias;
}

/** One received publish, as fed to the explorer index (dup may be left out). */
export type ExplorerMessage = Omit<MessageView, 'dup'> & { readonly dup?: boolean };

/** A stored message handed out of the index; the payload is the caller's own copy. */
export type StoredMessage = MessageView;
