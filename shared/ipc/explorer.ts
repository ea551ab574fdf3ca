import { z } from 'zod';
import { ConnectionIdSchema, type ConnectionId, type MessageView } from './common';
import { request } from './define';

/** One visible row of the topic tree. */
export interface TreeRow {
  /** The full topic path of this node. */
  readonly path: string;
  /** The last level's name ('' for an empty level). */
  readonly name: string;
  readonly depth: number;
  readonly hasChildren: boolean;
  readonly expanded: boolean;
  /** Messages on this topic and below it. */
  readonly messageCount: number;
  /** Topics with messages below this one. */
  readonly subtopicCount: number;
  readonly retained: boolean;
  /** When a message last arrived at or below this node (ms since epoch), or 0. */
  readonly lastReceivedAt: number;
  /** A short text of the last value, '' when the node has no message of its own. */
  readonly preview: string;
}

export const TreeSortSchema = z.enum(['name', 'messages', 'topics', 'recent']);

export const RowsArgsSchema = z
  .object({
    connectionId: ConnectionIdSchema,
    start: z.number().int().min(0),
    count: z.number().int().min(0).max(2000),
    expanded: z.array(z.string().max(65_535)).max(100_000),
    sort: TreeSortSchema.default('name'),
  })
  .strict();

export interface RowsResult {
  readonly version: number;
  readonly total: number;
  readonly start: number;
  readonly rows: readonly TreeRow[];
}

export interface TopicDetail {
  readonly topic: string;
  readonly messageCount: number;
  readonly lastMessage: MessageView | null;
}

/** A batch of messages for the topic the UI is watching; many messages per frame. */
export interface MessageBatch {
  readonly connectionId: ConnectionId;
  readonly messages: readonly MessageView[];
}

/** Said a few times a second at most: the tree changed, ask for the rows you show. */
export interface ExplorerChanged {
  readonly connectionId: ConnectionId;
  readonly version: number;
  readonly topicCount: number;
  readonly messageCount: number;
}

export const explorerRequests = {
  'explorer.rows': request<RowsResult>()(RowsArgsSchema),
  'explorer.topic': request<TopicDetail>()(
    z.object({ connectionId: ConnectionIdSchema, topic: z.string().max(65_535) }).strict(),
  ),
  'explorer.watch': request<null>()(
    z.object({ connectionId: ConnectionIdSchema, topic: z.string().max(65_535).nullable() }).strict(),
  ),
} as const;

export interface ExplorerEvents {
  readonly 'explorer.changed': ExplorerChanged;
  readonly 'explorer.messages': MessageBatch;
}
