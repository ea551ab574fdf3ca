/** MQTT 5 publish properties as the connection hands them over (mirrors shared/ipc PublishProperties). */
export interface ExplorerPublishProperties {
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  readonly userProperties?: readonly (readonly [string, string])[];
  readonly topicAlias?: number;
  readonly subscriptionIdentifiers?: readonly number[];
}

/** One received publish, as fed to the explorer index. */
export interface ExplorerMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup?: boolean;
  /** Milliseconds since the epoch. */
  readonly receivedAt: number;
  readonly properties?: ExplorerPublishProperties;
}

/** A stored message handed out of the index; the payload is the caller's own copy. */
export interface StoredMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly receivedAt: number;
  readonly properties?: ExplorerPublishProperties;
}
