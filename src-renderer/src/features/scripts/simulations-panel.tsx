import { Square } from 'lucide-react';
import { useEffect, useState } from 'react';
import { MAX_WINDOW_DEVICES } from '../../../../shared/ipc/simulations';
import { useStore } from '../../store/root-store';
import { Badge, Button, IconButton } from '../../ui';
import { refreshSimulations, startSimulation, stopSimulation } from './actions';
import { scriptsSelectors } from './selectors';

const POLL_MS = 1_000;

function rate(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

/** Simulated devices: start a built-in scenario with N devices at a rate, watch the rates, stop it. */
export function SimulationsPanel(): React.JSX.Element {
  const scenarios = useStore(scriptsSelectors.scenarios);
  const simulations = useStore(scriptsSelectors.simulations);
  const busy = useStore(scriptsSelectors.busy);
  const [scenario, setScenario] = useState('');
  const [devices, setDevices] = useState(10);
  const [perSecond, setPerSecond] = useState(1);
  const [prefix, setPrefix] = useState('device');
  const [url, setUrl] = useState('');

  useEffect(() => {
    void refreshSimulations();
    const timer = setInterval(() => void refreshSimulations(), POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const chosen = scenario || scenarios[0]?.name || '';
  const tooMany = devices > MAX_WINDOW_DEVICES;
  return (
    <section className="scripts-section" data-testid="simulations-panel">
      <form
        className="publish-row"
        // The core checks the numbers and says what is wrong in a sentence (the window's device limit included).
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void startSimulation({ scenario: chosen, devices, perSecond, prefix, url });
        }}
      >
        <label>
          Scenario{' '}
          <select value={chosen} onChange={(e) => setScenario(e.target.value)} data-testid="simulation-scenario">
            {scenarios.map((s) => (
              <option key={s.name} value={s.name} title={s.description}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Devices <input type="number" min={1} max={MAX_WINDOW_DEVICES} value={devices} onChange={(e) => setDevices(Number(e.target.value))} data-testid="simulation-devices" className="number" />
        </label>
        <label>
          Messages/s per device <input type="number" min={0.01} max={100} step="any" value={perSecond} onChange={(e) => setPerSecond(Number(e.target.value))} data-testid="simulation-rate" className="number" />
        </label>
        <label>
          Name prefix <input value={prefix} onChange={(e) => setPrefix(e.target.value)} data-testid="simulation-prefix" />
        </label>
        <label>
          Broker <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="the embedded broker" data-testid="simulation-url" className="url" />
        </label>
        <Button type="submit" variant="primary" disabled={busy || chosen === ''} data-testid="simulation-start">
          Start
        </Button>
      </form>
      {tooMany ? <p className="note">The window starts at most {MAX_WINDOW_DEVICES.toLocaleString('en')} devices at once; `topiary simulate` takes more.</p> : null}
      {scenarios.find((s) => s.name === chosen) ? <p className="note">{scenarios.find((s) => s.name === chosen)!.description}</p> : null}
      {simulations.length === 0 ? <p className="note">No simulation is running. Pick a scenario, how many devices and how often each publishes, and start.</p> : null}
      <table className="simulations" data-testid="simulation-list">
        <tbody>
          {simulations.map((s) => (
            <tr key={s.id} data-testid="simulation-row" data-id={s.id} data-state={s.state}>
              <td>{s.source.kind === 'scenario' ? s.source.name : 'template'}</td>
              <td>
                <Badge tone={s.state === 'running' ? 'success' : s.state === 'failed' ? 'danger' : 'neutral'}>{s.state}</Badge>
              </td>
              <td data-testid="simulation-connected">
                {s.connected}/{s.devices} connected
              </td>
              <td data-testid="simulation-rate-now" data-rate={s.perSecond}>
                {rate(s.perSecond)} msg/s ({rate(s.perDevicePerSecond)} per device)
              </td>
              <td>{s.published.toLocaleString('en')} sent</td>
              <td title="How late ticks were handed to their connections, 99th percentile">late p99 {Math.round(s.lateP99Ms)} ms</td>
              <td className="error">{s.lastError ?? ''}</td>
              <td>
                <IconButton icon={Square} label="Stop the simulation" size="sm" variant="danger" onClick={() => void stopSimulation(s.id)} data-testid="simulation-stop" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
