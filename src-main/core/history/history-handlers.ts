import type { Handlers } from '../../../shared/ipc/contract';
import type { HistoryMethod } from '../../../shared/ipc/history';
import type { CaptureJobs } from './capture-jobs';
import type { HistoryService } from './history-service';
import { replaySearch } from './search-replay';

/** The history group of the contract, answered by the store's service and the record/replay jobs. */
export function historyHandlers(service: HistoryService, captures: CaptureJobs): Pick<Handlers, HistoryMethod> {
  return {
    'history.getStatus': async ({ open }) => {
      // A store that cannot open (locked by another Topiary, unreadable) is reported in the status, not thrown.
      if (open) await service.open().catch(() => undefined);
      return service.status();
    },
    'history.setRecording': ({ connectionId, enabled, sourceKey, label }) =>
      service.setRecording(connectionId, enabled, { sourceKey: sourceKey ?? `connection:${connectionId}`, ...(label !== undefined ? { label } : {}) }),
    'history.pause': ({ paused }) => service.pause(paused),
    'history.setRetention': ({ sourceKey, retention, maxTotalBytes }) => service.setRetention(sourceKey, retention, maxTotalBytes),
    'history.query': ({ query, limit, cursor, decoded }) => service.query(query, limit, cursor, decoded),
    'history.clear': ({ query }) => service.clear(query),
    'history.export': async (args) => ({ jobId: (await service.export(args)).jobId }),
    'history.cancelExport': ({ jobId }) => {
      service.cancelExport(jobId);
      return null;
    },
    'history.importCapture': ({ file, sourceKey, label, skipMalformed }) => service.importCapture(file, { sourceKey, skipMalformed, ...(label !== undefined ? { label } : {}) }),
    'history.recordCapture': (args) => captures.startRecording(args),
    'history.replayCapture': (args) => captures.startReplay(args),
    'history.replaySearch': ({ connectionId, query, limit, speed, stripPrefix, addPrefix, loops }) =>
      replaySearch(service, captures, { connectionId, query, limit, speed, loops, ...(stripPrefix !== undefined ? { stripPrefix } : {}), ...(addPrefix !== undefined ? { addPrefix } : {}) }),
    'history.controlCapture': ({ jobId, action }) => {
      captures.control(jobId, action);
      return null;
    },
  };
}
