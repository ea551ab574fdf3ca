import type { MessageProperties, MessageView } from '../../../shared/ipc/common';

/** MQTT 5 publish properties as the connection hands them over: the contract's own type. */
export type ExplorerPublishProperties = MessageProperties;

/** One received publish, as fed to the explorer index (dup may be left out). */
export type ExplorerMessage = Omit<MessageView, 'dup'> & { readonly dup?: boolean };

/** A stored message handed out of the index; the payload is the caller's own copy. */
export type StoredMessage = MessageView;
