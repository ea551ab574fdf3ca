import type { DomainHandlers } from '../ipc/serve';
import type { DecodersService } from './decoders-service';

/** The decoders group of the contract: decoder bindings and trying a decoder script. */
export function decodersHandlers(service: DecodersService): DomainHandlers<'decoders'> {
  return {
    'decoders.listBindings': () => service.list(),
    'decoders.saveBinding': (args) => service.save(args),
    'decoders.deleteBinding': ({ id }) => service.delete(id),
    'decoders.testScript': (args) => service.testScript(args),
  };
}
