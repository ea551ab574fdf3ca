import type { ConnectionManager } from '../connections/connection-manager';
import type { DomainHandlers } from '../ipc/serve';
import type { PublishService } from './publish-service';

/** The handlers for every `publish.*` request; a single send goes straight to the connection. */
export function publishHandlers(composer: PublishService, connections: Pick<ConnectionManager, 'publish'>): DomainHandlers<'publish'> {
  return {
    'publish.send': (args) => connections.publish(args),
    'publish.compose': (args) => composer.compose(args),
    'publish.preview': ({ connectionId, ...message }) => composer.preview(message, connectionId),
    'publish.resetCounter': ({ connectionId, topic }) => {
      composer.resetCounter(connectionId, topic);
      return null;
    },
    'publish.startJob': (args) => composer.startJob(args),
    'publish.stopJob': ({ jobId }) => composer.stopJob(jobId),
    'publish.jobs': () => composer.jobList(),
    'publish.request': (args) => composer.request(args),
    'publish.suggestTopics': (args) => composer.suggestTopics(args),
    'publish.savedList': ({ scope }) => composer.savedList(scope),
    'publish.savedSave': (args) => composer.savedSave(args),
    'publish.savedDelete': ({ id }) => composer.savedDelete(id),
    'publish.history': ({ limit }) => composer.history(limit),
    'publish.clearHistory': () => composer.clearHistory(),
    'publish.draftGet': ({ scope }) => composer.draft(scope),
    'publish.draftSet': ({ scope, draft }) => composer.setDraft(scope, draft),
  };
}
