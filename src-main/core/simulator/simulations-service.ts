import type { ScenarioInfo, SimulationInfo } from '../../../shared/ipc/simulations';
import { contractError, TopiaryError } from '../../../shared/ipc/errors';
import { mqttDeviceConnector } from './mqtt-device-link';
import { listScenarios } from './scenarios';
import { Simulation, SimulationError } from './simulation';
import type { SimulationSpec } from './simulation-types';

export interface SimulationsServiceOptions {
  /** The embedded broker's URL when it runs, for simulations that name no broker. */
  readonly defaultUrl: () => string | undefined;
}

/** The app's simulations: started and stopped from the window, running in the core. */
export class SimulationsService {
  private readonly running = new Map<string, { readonly url: string; readonly simulation: Simulation }>();
  private nextId = 1;

  constructor(private readonly options: SimulationsServiceOptions) {}

  scenarios(): readonly ScenarioInfo[] {
    return listScenarios();
  }

  list(): readonly SimulationInfo[] {
    return [...this.running.entries()].map(([id, r]) => info(id, r.url, r.simulation));
  }

  async start(spec: SimulationSpec & { readonly url?: string }): Promise<SimulationInfo> {
    const url = spec.url ?? this.options.defaultUrl();
    if (url === undefined) throw contractError('INVALID_REQUEST', 'Say which broker the devices connect to: the embedded broker is not running.');
    let simulation: Simulation;
    try {
      simulation = await Simulation.start(spec, { connector: mqttDeviceConnector({ url }) });
    } catch (error) {
      if (error instanceof SimulationError) throw contractError('INVALID_REQUEST', error.message);
      throw new TopiaryError('CONNECTION_FAILED', error instanceof Error ? error.message : String(error));
    }
    const id = `sim-${this.nextId++}`;
    this.running.set(id, { url, simulation });
    return info(id, url, simulation);
  }

  async stop(id: string): Promise<SimulationInfo> {
    const entry = this.running.get(id);
    if (entry === undefined) throw contractError('NOT_FOUND', `There is no simulation ${id}; it may have been stopped already.`);
    this.running.delete(id);
    await entry.simulation.stop();
    return info(id, entry.url, entry.simulation);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }
}

function info(id: string, url: string, simulation: Simulation): SimulationInfo {
  return { id, url, source: simulation.spec.source as SimulationInfo['source'], ...simulation.status() };
}
