import type { DomainHandlers } from '../ipc/serve';
import type { ExplorerService } from './explorer-service';

/** The handlers for every `explorer.*` request; views and watches belong to the calling window. */
export function explorerHandlers(explorer: ExplorerService): DomainHandlers<'explorer'> {
  return {
    'explorer.updateView': (args, { clientId }) => explorer.view(args, clientId),
    'explorer.listRows': (args, { clientId }) => explorer.rows(args, clientId),
    'explorer.getTopic': (args) => explorer.inspect(args),
    'explorer.watch': ({ connectionId, topic }, { clientId }) => {
      explorer.watch(clientId, connectionId, topic);
      return null;
    },
    'explorer.decode': (args) => explorer.decodeBound(args),
    'explorer.getPayload': (args) => explorer.payload(args),
    'explorer.listHistory': (args) => explorer.history(args),
    'explorer.diff': (args) => explorer.diff(args),
    'explorer.getSeries': (args) => explorer.series(args),
    'explorer.setHistoryBudget': ({ connectionId, budgetBytes }) => {
      explorer.setHistoryBudget(connectionId, budgetBytes);
      return null;
    },
    'explorer.clearRetained': (args) => explorer.clearRetained(args),
    'explorer.setPauseBudget': ({ connectionId, messages, bytes }) => explorer.setPauseBudget(connectionId, messages, bytes),
    'explorer.pause': ({ connectionId, paused }) => explorer.pause(connectionId, paused),
    'explorer.listSubscriptions': ({ connectionId }) => explorer.subscriptions(connectionId),
    'explorer.subscribe': ({ connectionId, subscriptions }) => explorer.subscribe(connectionId, subscriptions),
    'explorer.unsubscribe': async ({ connectionId, filters }) => {
      await explorer.unsubscribe(connectionId, filters);
      return null;
    },
  };
}
