import type { DomainHandlers } from '../ipc/serve';
import type { SimulationsService } from './simulations-service';

/** The simulations group of the contract. */
export function simulationsHandlers(service: SimulationsService): DomainHandlers<'simulations'> {
  return {
    'simulations.listScenarios': () => service.scenarios(),
    'simulations.list': () => service.list(),
    'simulations.start': (args) => service.start(args),
    'simulations.stop': ({ id }) => service.stop(id),
    'simulations.listSaved': () => service.listSaved(),
    'simulations.save': (args) => service.save(args),
    'simulations.delete': ({ id }) => service.delete(id),
    'simulations.startSaved': ({ id }) => service.startSaved(id),
  };
}
