import { Pencil, Play, Square, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { MAX_WINDOW_DEVICES, type SavedSimulation, type SimulationInfo } from '../../../../shared/ipc/simulations';
import { useStore } from '../../store/root-store';
import { Badge, Button, IconButton } from '../../ui';
import { deleteSavedSimulation, refreshSimulations, saveSimulation, type SimulationDraft, startSavedSimulation, startSimulation, stopSimulation } from './actions';
import { scriptsSelectors } from './selectors';

const POLL_MS = 1_000;

type SourceKind = 'scenario' | 'template' | 'script';

const DEFAULT_TOPIC = 'sim/{device}/data';
const DEFAULT_TEMPLATE = '{"device": "{device}", "n": {{counter}}}';
const DEFAULT_SCRIPT = `// Called per device and tick; msg.json() is { device, index, tick, clientId, time }.
const input = msg.json();
return { device: input.device, tick: input.tick, value: 20 + Math.random() * 5 };`;

function rate(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

/** What a simulation publishes, in a few words for its row. */
function sourceLabel(source: SimulationInfo['source']): string {
  return source.kind === 'scenario' ? source.name : `${source.kind} → ${source.topic}`;
}

/** One row: a saved simulation (running or not), or one started without saving (from the library or another window). */
interface Row {
  readonly key: string;
  readonly saved: SavedSimulation | null;
  readonly running: SimulationInfo | null;
}

/**
 * Simulated devices: set up a scenario, template or script with N devices at a rate, save it (it is there after a
 * restart and travels in the profiles export), start and stop it, and watch its rates.
 */
export function SimulationsPanel(): React.JSX.Element {
  const scenarios = useStore(scriptsSelectors.scenarios);
  const simulations = useStore(scriptsSelectors.simulations);
  const savedSimulations = useStore(scriptsSelectors.savedSimulations);
  const busy = useStore(scriptsSelectors.busy);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<SourceKind>('scenario');
  const [scenario, setScenario] = useState('');
  const [topic, setTopic] = useState(DEFAULT_TOPIC);
  const [template, setTemplate] = useState(DEFAULT_TEMPLATE);
  const [script, setScript] = useState(DEFAULT_SCRIPT);
  const [devices, setDevices] = useState(10);
  const [perSecond, setPerSecond] = useState(1);
  const [prefix, setPrefix] = useState('device');
  const [url, setUrl] = useState('');
  const [willTopic, setWillTopic] = useState('');
  const [willPayload, setWillPayload] = useState('offline');
  /** The saved simulation the form edits; null for a new one. */
  const [editing, setEditing] = useState<SavedSimulation | null>(null);

  useEffect(() => {
    void refreshSimulations();
    const timer = setInterval(() => void refreshSimulations(), POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const chosen = scenario || scenarios[0]?.name || '';
  const tooMany = devices > MAX_WINDOW_DEVICES;
  /** Fills the form with a saved simulation, so Save changes it (a running one keeps its settings until restarted). */
  const edit = (saved: SavedSimulation): void => {
    setEditing(saved);
    setName(saved.name);
    setKind(saved.source.kind);
    if (saved.source.kind === 'scenario') setScenario(saved.source.name);
    else {
      setTopic(saved.source.topic);
      if (saved.source.kind === 'template') setTemplate(saved.source.payload);
      else setScript(saved.source.source);
    }
    setDevices(saved.devices);
    setPerSecond(saved.perSecond);
    setPrefix(saved.prefix);
    setUrl(saved.url ?? '');
    setWillTopic(saved.will?.topic ?? '');
    setWillPayload(saved.will?.payload ?? 'offline');
  };
  const draft = (): SimulationDraft => ({
    ...(editing === null ? {} : { id: editing.id }),
    ...(name.trim() === '' ? {} : { name: name.trim() }),
    source: kind === 'scenario' ? { kind, name: chosen } : kind === 'template' ? { kind, topic, payload: template } : { kind, topic, source: script },
    devices,
    perSecond,
    prefix,
    ...(url.trim() === '' ? {} : { url: url.trim() }),
    // A scenario brings its own will; a template or script simulation has one when the user names its topic.
    ...(kind === 'scenario' || willTopic.trim() === '' ? {} : { will: { topic: willTopic.trim(), payload: willPayload } }),
  });
  const rows: Row[] = [
    ...savedSimulations.map((s) => ({ key: s.id, saved: s, running: simulations.find((r) => r.savedId === s.id) ?? null })),
    ...simulations.filter((r) => r.savedId === null || !savedSimulations.some((s) => s.id === r.savedId)).map((r) => ({ key: r.id, saved: null, running: r })),
  ];
  return (
    <section className="scripts-section" data-testid="simulations-panel">
      <form
        className="responder-form"
        // The core checks the numbers and says what is wrong in a sentence (the window's device limit included).
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void startSimulation(draft());
        }}
      >
        <div className="publish-row">
          <label>
            Name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="after what it publishes" data-testid="simulation-name" />
          </label>
          <label>
            Publishes{' '}
            <select value={kind} onChange={(e) => setKind(e.target.value as SourceKind)} data-testid="simulation-kind">
              <option value="scenario">a scenario</option>
              <option value="template">a template</option>
              <option value="script">a script</option>
            </select>
          </label>
          {kind === 'scenario' ? (
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
          ) : (
            <>
              <label>
                Topic <input value={topic} onChange={(e) => setTopic(e.target.value)} title="{device} is the device's name" data-testid="simulation-topic" className="topic" />
              </label>
              <label title="What the broker publishes for a device that vanishes; {device} is the device's name">
                Will on <input value={willTopic} onChange={(e) => setWillTopic(e.target.value)} placeholder="no will" data-testid="simulation-will-topic" className="topic" />
              </label>
              <label>
                saying <input value={willPayload} onChange={(e) => setWillPayload(e.target.value)} data-testid="simulation-will-payload" />
              </label>
            </>
          )}
        </div>
        <div className="publish-row">
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
        </div>
        {kind === 'scenario' ? null : (
          <textarea
            className="proto-text"
            rows={kind === 'script' ? 6 : 3}
            value={kind === 'template' ? template : script}
            onChange={(e) => (kind === 'template' ? setTemplate(e.target.value) : setScript(e.target.value))}
            spellCheck={false}
            aria-label={kind === 'template' ? 'The payload template ({device}, {{counter}}, {{randomInt 1 9}} …)' : 'The script: called per device and tick, it returns the payload'}
            data-testid="simulation-body"
          />
        )}
        <div className="publish-row">
          <Button type="submit" variant="primary" disabled={busy || (kind === 'scenario' && chosen === '')} data-testid="simulation-start" title="Saves it, so it is here after a restart, and starts it">
            Start
          </Button>
          <Button type="button" disabled={busy || (kind === 'scenario' && chosen === '')} onClick={() => void saveSimulation(draft())} data-testid="simulation-save" title="Saves it without starting it">
            {editing === null ? 'Save' : `Save changes to ${editing.name}`}
          </Button>
          {editing === null ? null : (
            <Button type="button" variant="quiet" onClick={() => setEditing(null)} data-testid="simulation-new" title="Leaves the saved one as it is; the form makes a new one">
              New instead
            </Button>
          )}
        </div>
      </form>
      {tooMany ? <p className="note">The window starts at most {MAX_WINDOW_DEVICES.toLocaleString('en')} devices at once; `topiary simulate` takes more.</p> : null}
      {kind === 'scenario' && scenarios.find((s) => s.name === chosen) ? <p className="note">{scenarios.find((s) => s.name === chosen)!.description}</p> : null}
      {rows.length === 0 ? <p className="note">No simulation yet. Pick what the devices publish, how many and how often, and start; it is saved, and the profiles export carries it.</p> : null}
      <table className="simulations" data-testid="simulation-list">
        <tbody>
          {rows.map(({ key, saved, running }) => {
            const state = running?.state ?? 'stopped';
            const source = saved?.source ?? running!.source;
            return (
              <tr key={key} data-testid="simulation-row" data-id={running?.id ?? ''} data-name={saved?.name ?? ''} data-state={state}>
                <td data-testid="simulation-row-name">{saved?.name ?? 'not saved'}</td>
                <td title={source.kind === 'script' ? source.source : undefined}>{sourceLabel(source)}</td>
                <td>
                  <Badge tone={state === 'running' ? 'success' : state === 'failed' ? 'danger' : 'neutral'}>{state}</Badge>
                </td>
                {running ? (
                  <>
                    <td data-testid="simulation-connected">
                      {running.connected}/{running.devices} connected
                    </td>
                    <td data-testid="simulation-rate-now" data-rate={running.perSecond}>
                      {rate(running.perSecond)} msg/s ({rate(running.perDevicePerSecond)} per device)
                    </td>
                    <td>{running.published.toLocaleString('en')} sent</td>
                    <td title="How late ticks were handed to their connections, 99th percentile">late p99 {Math.round(running.lateP99Ms)} ms</td>
                    <td className="error">{running.lastError ?? ''}</td>
                  </>
                ) : (
                  <>
                    <td colSpan={4} data-testid="simulation-plan">
                      {saved!.devices.toLocaleString('en')} {saved!.devices === 1 ? 'device' : 'devices'} at {saved!.perSecond}/s each, {saved!.url ?? 'the embedded broker'}
                    </td>
                    <td className="error" />
                  </>
                )}
                <td>
                  <div className="simulation-actions">
                    {running ? (
                      <IconButton icon={Square} label="Stop the simulation" size="sm" variant="danger" onClick={() => void stopSimulation(running.id)} data-testid="simulation-stop" />
                    ) : (
                      <IconButton icon={Play} label={`Start ${saved!.name}`} size="sm" disabled={busy} onClick={() => void startSavedSimulation(saved!.id)} data-testid="simulation-run" />
                    )}
                    {saved ? <IconButton icon={Pencil} label={`Edit ${saved.name}`} size="sm" onClick={() => edit(saved)} data-testid="simulation-edit" /> : null}
                    {saved ? <IconButton icon={Trash2} label={`Delete ${saved.name}`} size="sm" variant="danger" disabled={busy} onClick={() => void deleteSavedSimulation(saved.id)} data-testid="simulation-delete" /> : null}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
