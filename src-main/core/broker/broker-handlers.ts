import type { Handlers, Method } from '../../../shared/ipc/contract';
import type { BrokerService } from './broker-service';
import { setUpQuickLocalTls, type QuickTlsDeps } from './quick-local-tls';

type BrokerMethod = Extract<Method, `broker.${string}`>;

/** What quick local TLS needs from the other domains (certificates and profiles); the broker parts come from the service. */
export type QuickTlsPeers = Pick<QuickTlsDeps, 'generateCa' | 'issue' | 'saveProfile'>;

/** The broker domain's part of the contract. */
export function brokerHandlers(service: BrokerService, peers: QuickTlsPeers): Pick<Handlers, BrokerMethod> {
  return {
    'broker.getStatus': () => service.status(),
    'broker.start': () => service.start(),
    'broker.stop': () => service.stop(),
    'broker.restart': () => service.restart(),
    'broker.saveSettings': ({ settings }) => service.saveSettings(settings),
    'broker.listClients': () => service.clients(),
    'broker.disconnectClient': ({ clientId }) => ({ disconnected: service.disconnectClient(clientId) }),
    'broker.listRetained': ({ prefix, limit }) => service.retained(prefix, limit),
    'broker.deleteRetained': ({ topic, subtree }) => ({ deleted: service.deleteRetained(topic, subtree) }),
    'broker.listLog': ({ limit }) => service.log(limit),
    'broker.listStats': () => service.stats(),
    'broker.setUser': ({ username, password, authMethods }) => service.setUser(username, password, authMethods),
    'broker.deleteUser': async ({ username }) => (await service.deleteUser(username), { deleted: 1 }),
    'broker.setPsk': ({ username, identity, key }) => service.setPsk(username, identity, key),
    'broker.deletePsk': async ({ identity }) => (await service.deletePsk(identity), { deleted: 1 }),
    'broker.importUsers': ({ text }) => service.importUsers(text),
    'broker.exportUsers': () => ({ fileName: 'passwd', mediaType: 'text/plain', text: service.exportUsers() }),
    'broker.setAcl': ({ text }) => service.setAcl(text),
    'broker.exportAcl': () => ({ fileName: 'acl', mediaType: 'text/plain', text: service.exportAcl() }),
    'broker.setMoved': ({ moved }) => service.setMoved(moved),
    'broker.previewAccess': ({ change }) => service.previewAccess(change),
    'broker.createQuickTls': () =>
      setUpQuickLocalTls({
        ...peers,
        brokerStatus: () => service.status(),
        saveBrokerSettings: (settings) => service.saveSettings(settings),
        startBroker: () => service.start(),
      }),
  };
}
