import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Deleted } from '../../../shared/ipc/common';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { contractError, TopiaryError } from '../../../shared/ipc/errors';
import { SaveSimulationArgsSchema, type SavedSimulation, type ScenarioInfo, type SimulationDefinition, type SimulationInfo } from '../../../shared/ipc/simulations';
import { stableStringify } from '../explorer/diff';
import { checkImportedEntries, type ScriptImportReport } from '../scripts/script-import';
import { ScriptSandbox } from '../scripts/script-sandbox';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file';
import { mqttDeviceConnector } from './mqtt-device-link';
import { listScenarios } from './scenarios';
import { Simulation, SimulationError, sourceProblem } from './simulation';

export interface SimulationsServiceOptions {
  /** The embedded broker's URL when it runs, for simulations that name no broker. */
  readonly defaultUrl: () => string | undefined;
  /** Where saved simulations are kept (`simulations/saved.json`); without it, nothing is saved to disk. */
  readonly userDataDir?: string;
  /** The built script sandbox worker (script-worker.cjs), for script simulations; without it they are refused. */
  readonly workerFile?: string;
  /** Told after every change to the saved simulations, to push `simulations.savedChanged` to every window. */
  readonly savedChanged?: (saved: readonly SavedSimulation[]) => void;
}

/** The file's shape, checked on reading: a hand-edited or damaged file must not reach a running simulation half-formed. */
const SavedFileSchema = z
  .object({
    version: z.literal(1),
    simulations: z.array(SaveSimulationArgsSchema.required({ id: true, name: true })),
  })
  .strict();

interface Running {
  readonly url: string;
  readonly simulation: Simulation;
  readonly saved: SavedSimulation | undefined;
}

/** What makes two saved simulations the same one: everything but the id and the name. */
function definitionOf(s: SimulationDefinition | SavedSimulation | { readonly id: string }): unknown {
  const { id: _id, name: _name, ...definition } = s as SavedSimulation;
  return definition;
}

/**
 * The app's simulations: started and stopped from the window, running in the core. Saved ones are kept in
 * `simulations/saved.json` in the user-data folder and travel in the profiles export; they start only when asked.
 */
export class SimulationsService {
  private readonly running = new Map<string, Running>();
  private nextId = 1;
  private saved: readonly SavedSimulation[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private sandbox: ScriptSandbox | undefined;
  /** Saved simulations connecting now: a second start must be refused before the first is in `running`. */
  private readonly starting = new Set<string>();

  private constructor(
    private readonly options: SimulationsServiceOptions,
    private readonly file: string | undefined,
  ) {}

  /** Reads the saved simulations; a damaged file is set aside rather than lost, and the app starts with none. */
  static async open(options: SimulationsServiceOptions): Promise<SimulationsService> {
    if (options.userDataDir === undefined) return new SimulationsService(options, undefined);
    const dir = path.join(options.userDataDir, 'simulations');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'saved.json');
    const service = new SimulationsService(options, file);
    try {
      const text = await readFileIfExists(file);
      if (text !== undefined) service.saved = SavedFileSchema.parse(JSON.parse(text)).simulations;
    } catch {
      await rename(file, `${file}.damaged-${Date.now()}`).catch(() => undefined);
    }
    return service;
  }

  scenarios(): readonly ScenarioInfo[] {
    return listScenarios();
  }

  list(): readonly SimulationInfo[] {
    return [...this.running.entries()].map(([id, r]) => info(id, r));
  }

  listSaved(): readonly SavedSimulation[] {
    return this.saved;
  }

  async start(spec: SimulationDefinition, saved?: SavedSimulation): Promise<SimulationInfo> {
    const url = spec.url ?? this.options.defaultUrl();
    if (url === undefined) throw contractError('INVALID_REQUEST', 'Say which broker the devices connect to: the embedded broker is not running.');
    let simulation: Simulation;
    try {
      simulation = await Simulation.start(spec, { connector: mqttDeviceConnector({ url }), ...(spec.source.kind === 'script' ? { sandbox: this.scriptSandbox() } : {}) });
    } catch (error) {
      if (error instanceof SimulationError) throw contractError('INVALID_REQUEST', saved ? `The simulation "${saved.name}" cannot start. ${error.message}` : error.message);
      throw new TopiaryError('CONNECTION_FAILED', error instanceof Error ? error.message : String(error));
    }
    const id = `sim-${this.nextId++}`;
    const entry: Running = { url, simulation, saved };
    this.running.set(id, entry);
    return info(id, entry);
  }

  async stop(id: string): Promise<SimulationInfo> {
    const entry = this.running.get(id);
    if (entry === undefined) throw contractError('NOT_FOUND', `There is no simulation ${id}; it may have been stopped already.`);
    this.running.delete(id);
    await entry.simulation.stop();
    return info(id, entry);
  }

  /** Starts a saved simulation, once: while it runs, a second start is refused. */
  async startSaved(id: string): Promise<SimulationInfo> {
    const saved = this.savedOne(id);
    const already = [...this.running.entries()].find(([, r]) => r.saved?.id === id);
    if (already !== undefined) throw contractError('INVALID_REQUEST', `The simulation "${saved.name}" is already running (${already[0]}); stop it first.`);
    if (this.starting.has(id)) throw contractError('INVALID_REQUEST', `The simulation "${saved.name}" is starting already.`);
    const { id: _id, name: _name, ...definition } = saved;
    this.starting.add(id);
    try {
      return await this.start(definition, saved);
    } finally {
      this.starting.delete(id);
    }
  }

  /**
   * Saves a simulation the user set up. A new one identical to a saved one answers that one; a name is unique among
   * the saved ones (one is made from the source when none is given).
   */
  save(args: ParsedArg<'simulations.save'>): Promise<SavedSimulation> {
    return this.serial(async () => {
      const { id: givenId, name: givenName, ...definition } = args;
      const problem = sourceProblem(definition.source, definition.will);
      if (problem !== undefined) throw contractError('INVALID_REQUEST', problem);
      const before = givenId === undefined ? undefined : this.savedOne(givenId);
      if (before === undefined) {
        const key = stableStringify(definition);
        const same = this.saved.find((s) => stableStringify(definitionOf(s)) === key && (givenName === undefined || s.name === givenName));
        if (same !== undefined) return same;
      }
      const name = givenName ?? before?.name ?? this.freeName(defaultName(definition), [], false);
      const clash = this.saved.find((s) => s.name === name && s.id !== givenId);
      if (clash !== undefined) throw contractError('INVALID_REQUEST', `A saved simulation is already named "${name}"; choose another name.`);
      const saved: SavedSimulation = { id: before?.id ?? randomUUID(), name, ...definition };
      this.saved = before === undefined ? [...this.saved, saved] : this.saved.map((s) => (s.id === saved.id ? saved : s));
      await this.persist();
      return saved;
    });
  }

  /** Forgets a saved simulation, stopping it first if it runs. */
  delete(id: string): Promise<Deleted> {
    return this.serial(async () => {
      if (!this.saved.some((s) => s.id === id)) return { deleted: 0 };
      for (const [runningId, r] of [...this.running]) if (r.saved?.id === id) await this.stop(runningId);
      this.saved = this.saved.filter((s) => s.id !== id);
      await this.persist();
      return { deleted: 1 };
    });
  }

  /** The saved simulations as a profiles export carries them. */
  exportEntries(): readonly SavedSimulation[] {
    return this.saved;
  }

  /**
   * Adds the simulations of an imported file, stopped (nothing starts until the user starts it). Each entry is checked
   * as `simulations.save` would; a bad one is refused with a sentence naming it. A name already taken gets " (imported)".
   */
  importEntries(entries: readonly unknown[]): Promise<ScriptImportReport> {
    return this.serial(async () => {
      const { accepted, present, refused } = checkImportedEntries('Simulation', entries, SaveSimulationArgsSchema, this.saved, definitionOf, {
        labelKey: 'name',
        problem: (value) => sourceProblem(value.source, value.will),
      });
      const warnings: string[] = [];
      const added: SavedSimulation[] = [];
      for (const { id, value } of accepted) {
        const { id: _id, name: givenName, ...definition } = value;
        const wanted = givenName ?? defaultName(definition);
        const name = this.freeName(wanted, added, true);
        if (name !== wanted) warnings.push(`A saved simulation was already named "${wanted}": the imported one is "${name}".`);
        added.push({ id, name, ...definition });
        if (definition.source.kind === 'script') {
          const problem = await this.scriptProblem(definition.source.source);
          if (problem !== undefined) warnings.push(`The simulation "${name}" was imported with a problem in its script (it will not start until fixed): ${problem}`);
        }
      }
      if (added.length > 0) {
        this.saved = [...this.saved, ...added];
        await this.persist();
      }
      return { added: added.length, present, refused, warnings };
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
    await this.sandbox?.close();
  }

  private savedOne(id: string): SavedSimulation {
    const saved = this.saved.find((s) => s.id === id);
    if (saved === undefined) throw contractError('NOT_FOUND', `There is no saved simulation ${id}; it may have been deleted in another window.`);
    return saved;
  }

  /** `wanted` if free; else `wanted (2)` … from the window, `wanted (imported)`, `wanted (imported 2)` … from a file. */
  private freeName(wanted: string, pending: readonly SavedSimulation[], imported: boolean): string {
    const taken = new Set([...this.saved, ...pending].map((s) => s.name));
    if (!taken.has(wanted)) return wanted;
    // Room for the suffix within the 200 characters a name may have (the saved file is checked on reading).
    const base = wanted.slice(0, 180);
    for (let n = imported ? 1 : 2; ; n++) {
      const candidate = imported ? `${base} (imported${n === 1 ? '' : ` ${n}`})` : `${base} (${n})`;
      if (!taken.has(candidate)) return candidate;
    }
  }

  private scriptSandbox(): ScriptSandbox {
    if (this.options.workerFile === undefined) throw new SimulationError('A script simulation needs the script sandbox, which this build does not have.');
    return (this.sandbox ??= new ScriptSandbox({ workerFile: this.options.workerFile }));
  }

  /** Whether a script compiles in the sandbox, as "SyntaxError: … (line 1, column 9)". */
  private async scriptProblem(source: string): Promise<string | undefined> {
    if (this.options.workerFile === undefined) return undefined;
    const loaded = await this.scriptSandbox().load({ name: 'simulation', source });
    if (!loaded.ok) return loaded.error.message;
    await loaded.script.unload();
    return undefined;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async persist(): Promise<void> {
    if (this.file !== undefined) await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, simulations: this.saved }, null, 2)}\n`);
    this.options.savedChanged?.(this.saved);
  }
}

/** "gps × 10", "template × 3", "script × 1". */
function defaultName(definition: SimulationDefinition): string {
  return `${definition.source.kind === 'scenario' ? definition.source.name : definition.source.kind} × ${definition.devices}`;
}

function info(id: string, r: Running): SimulationInfo {
  return { id, url: r.url, source: r.simulation.spec.source as SimulationInfo['source'], savedId: r.saved?.id ?? null, name: r.saved?.name ?? null, ...r.simulation.status() };
}
