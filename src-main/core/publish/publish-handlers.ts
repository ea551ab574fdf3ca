import type { ConnectionManager } from '../connections/connection-manager';
import type { DomainHandlers } from '../ipc/serve';
import type { PublishService } from './publish-service';

/** The handlers for every `publish.*` request; a single send goes straight to the connection. */
export function publishHandlers(composer: PublishService, connections: Pick<ConnectionManager, 'publish'>): DomainHandlers<'publish'> {
  return {
    'publish.send': (args) => connections.publish(args),
    'publish.compose': (args) => composer.compose(args),
    'publish.preview': ({ connectionId, ...message }) => composer.preview(message, connectionId),
    'publish.previewTransform': ({ connectionId, ...message }) => composer.previewTransform(message, connectionId),
    'publish.resetCounter': ({ connectionId, topic }) => {
      composer.resetCounter(connectionId, topic);
      return null;
    },
    'publish.startJob': (args) => composer.startJob(args),
    'publish.stopJob': ({ jobId }) => composer.stopJob(jobId),
    'publish.listJobs': () => composer.jobList(),
    'publish.request': (args) => composer.request(args),
    'publish.suggestTopics': (args) => composer.suggestTopics(args),
    'publish.listSavedMessages': ({ scope }) => composer.savedList(scope),
    'publish.saveMessage': (args) => composer.savedSave(args),
    'publish.deleteSavedMessage': ({ id }) => composer.savedDelete(id),
    'publish.listHistory': ({ limit }) => composer.history(limit),
    'publish.clearHistory': () => composer.clearHistory(),
    'publish.getDraft': ({ scope }) => composer.draft(scope),
    'publish.setDraft': ({ scope, draft }) => composer.setDraft(scope, draft),
  };
}
