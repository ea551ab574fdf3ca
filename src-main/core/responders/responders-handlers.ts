import type { DomainHandlers } from '../ipc/serve';
import type { RespondersService } from './responders-service';

/** The responders group of the contract: auto-responder rules, their switches and counters. */
export function respondersHandlers(service: RespondersService): DomainHandlers<'responders'> {
  return {
    'responders.list': () => service.list(),
    'responders.save': (args) => service.save(args),
    'responders.delete': ({ id }) => service.delete(id),
    'responders.setEnabled': ({ id, enabled }) => service.setEnabled(id, enabled),
  };
}
