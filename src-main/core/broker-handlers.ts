import type { QuickTlsResult } from '../../shared/ipc/broker';
import type { BrokerService } from './broker-service';
import type { DomainHandlers } from './ipc/serve';

/** The handlers for every `broker.*` request; quick local TLS spans domains, so app-core hands it in. */
export function brokerHandlers(broker: BrokerService, quickTls: () => Promise<QuickTlsResult>): DomainHandlers<'broker'> {
  return {
    'broker.status': () => broker.status(),
    'broker.start': () => broker.start(),
    'broker.stop': () => broker.stop(),
    'broker.restart': () => broker.restart(),
    'broker.saveSettings': ({ settings }) => broker.saveSettings(settings),
    'broker.clients': () => broker.clients(),
    'broker.disconnectClient': ({ clientId }) => ({ disconnected: broker.disconnectClient(clientId) }),
    'broker.retained': ({ prefix, limit }) => broker.retained(prefix, limit),
    'broker.deleteRetained': ({ topic, subtree }) => ({ deleted: broker.deleteRetained(topic, subtree) }),
    'broker.log': ({ limit }) => broker.log(limit),
    'broker.stats': () => broker.stats(),
    'broker.setUser': ({ username, password }) => broker.setUser(username, password),
    'broker.deleteUser': ({ username }) => broker.deleteUser(username),
    'broker.importUsers': ({ text }) => broker.importUsers(text),
    'broker.exportUsers': () => ({ text: broker.exportUsers() }),
    'broker.setAcl': ({ text }) => broker.setAcl(text),
    'broker.exportAcl': () => ({ text: broker.exportAcl() }),
    'broker.quickTls': () => quickTls(),
  };
}
