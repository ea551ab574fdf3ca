import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionId } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import type { HistoryQueryInput } from '../../../shared/ipc/history';
import { CaptureRecorder } from './capture';
import type { CaptureJobs } from './capture-jobs';
import type { HistoryService } from './history-service';

export interface SearchReplayArgs {
  readonly connectionId: ConnectionId;
  readonly query: HistoryQueryInput;
  /** Most messages replayed (oldest first). */
  readonly limit: number;
  readonly speed?: number | 'max';
  readonly stripPrefix?: string;
  readonly addPrefix?: string;
  readonly loops?: number;
  /** Where the temporary capture goes (the system's temp folder by default). */
  readonly tempDir?: string;
}

const PAGE = 5000;

/**
 * Replays what a search finds, oldest first, with its recorded timing: the result is written to a
 * temporary capture (CAPTURE-FORMAT.md) and replayed by the same job a capture file gets, so speed,
 * prefixes, loops, pause and the final report all work alike. The capture is deleted when the job ends.
 */
export async function replaySearch(history: HistoryService, captures: CaptureJobs, args: SearchReplayArgs): Promise<{ readonly jobId: string; readonly messages: number }> {
  const file = path.join(args.tempDir ?? os.tmpdir(), `topiary-search-replay-${randomUUID()}.ndjson`);
  const query: HistoryQueryInput = { ...args.query, order: 'oldest' };
  let recorder: CaptureRecorder | null = null;
  let count = 0;
  let cursor: string | undefined;
  try {
    do {
      const page = await history.query(query, Math.min(PAGE, args.limit - count), cursor);
      for (const m of page.messages) {
        recorder ??= new CaptureRecorder({ file, startedAt: m.receivedAt, source: 'history search' });
        recorder.offer(m);
        count++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && count < args.limit);
    if (recorder === null) throw new TopiaryError('NOT_FOUND', 'The search found no messages to replay.');
    await recorder.stop();
  } catch (error) {
    if (recorder !== null) await recorder.stop().catch(() => undefined);
    await rm(file, { force: true });
    throw error;
  }
  const { jobId } = captures.startReplay({
    connectionId: args.connectionId,
    file,
    ...(args.speed !== undefined ? { speed: args.speed } : {}),
    ...(args.stripPrefix !== undefined ? { stripPrefix: args.stripPrefix } : {}),
    ...(args.addPrefix !== undefined ? { addPrefix: args.addPrefix } : {}),
    ...(args.loops !== undefined ? { loops: args.loops } : {}),
    cleanup: () => rm(file, { force: true }),
  });
  return { jobId, messages: count };
}
