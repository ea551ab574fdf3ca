import type { DomainHandlers } from '../ipc/serve';
import type { CertificatesService } from './certificates-service';

/** The handlers for every `certificates.*` request, ready to spread into the core's Handlers. */
export function certificatesHandlers(service: CertificatesService): DomainHandlers<'certificates'> {
  return {
    'certificates.list': ({ kind }) => service.list(kind),
    'certificates.get': ({ id }) => service.get(id),
    'certificates.import': (args) => service.import(args),
    'certificates.rename': ({ id, label }) => service.rename(id, label),
    'certificates.delete': ({ id, force }) => service.delete(id, force),
    'certificates.exportPem': ({ id, includePrivateKey, keyPassphrase }) => service.exportPem(id, includePrivateKey, keyPassphrase),
    'certificates.exportPkcs12': ({ id, password }) => service.exportPkcs12(id, password),
    'certificates.checkChain': ({ id, useSystemCAs }) => service.checkChain(id, useSystemCAs),
    'certificates.testBroker': (args) => service.testBroker(args),
    'certificates.listSystemRoots': () => service.systemRoots(),
    'certificates.generateCa': (args) => service.generateCa(args),
    'certificates.issue': (args) => service.issue(args),
  };
}
